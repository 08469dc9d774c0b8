import { describe, expect, it } from 'vitest';
import { categoryChain, categoryChildren, categoryName, categoryOtherName } from './aftersales';
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

  it('gives the other language only when the entry has a name of its own in it', () => {
    expect(categoryOtherName(TREE[0], 'zh-CN')).toBe('Quality');
    expect(categoryOtherName(TREE[0], 'en')).toBe('质量');
    expect(categoryOtherName(TREE[2], 'en')).toBe('');
    expect(categoryOtherName({ name_zh: '车辆清洁', name_en: '车辆清洁' }, 'zh-CN')).toBe('');
  });

  it('lists the children of an entry, or the top level for null', () => {
    expect(categoryChildren(TREE, null).map((c) => c.id)).toEqual(['q']);
    expect(categoryChildren(TREE, 'q.r').map((c) => c.id)).toEqual(['q.r.x']);
    expect(categoryChildren(TREE, 'q.r.x')).toEqual([]);
  });
});
