import { describe, expect, it } from 'vitest';
import { qcLabel } from './qc';

describe('a QC checklist item', () => {
  const item = { label: '油液液位正常', label_en: 'Fluid levels correct' };
  it('shows only the English text in English and only the Chinese text in either Chinese', () => {
    expect(qcLabel(item, 'en')).toBe('Fluid levels correct');
    expect(qcLabel(item, 'zh-CN')).toBe('油液液位正常');
    expect(qcLabel(item, 'zh-TW')).toBe('油液液位正常');
  });
  it('shows the Chinese text in English when the station wrote no English one', () => {
    expect(qcLabel({ label: '轮胎气压已校准', label_en: '' }, 'en')).toBe('轮胎气压已校准');
  });
});
