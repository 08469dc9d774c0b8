import { describe, expect, it } from 'vitest';
import { categoryChain, categoryName } from './aftersales';
import type { Category } from './generated/Category';

const cat = (id: string, parent_id: string | null, level: number, name_zh: string, name_en: string): Category => ({ id, parent_id, level, name_zh, name_en, source: 'default', active: true });
const TREE = [cat('q', null, 1, '质量', 'Quality'), cat('q.r', 'q', 2, '维修质量', 'Repair quality'), cat('q.r.x', 'q.r', 3, '同一故障返修', '')];

describe('complaint categories', () => {
  it('reads the path from the top level down to an entry', () => {
    expect(categoryChain(TREE, 'q.r.x').map((c) => c.id)).toEqual(['q', 'q.r', 'q.r.x']);
    expect(categoryChain(TREE, 'q.r').map((c) => c.id)).toEqual(['q', 'q.r']);
  });

  it('gives no path for an unknown or empty id', () => {
    expect(categoryChain(TREE, 'nope')).toEqual([]);
    expect(categoryChain(TREE, '')).toEqual([]);
  });

  it('names an entry in the desk language, falling back to Chinese when it has no English name', () => {
    expect(categoryName(TREE[0], 'en')).toBe('Quality');
    expect(categoryName(TREE[0], 'zh-CN')).toBe('质量');
    expect(categoryName(TREE[2], 'en')).toBe('同一故障返修');
  });
});
