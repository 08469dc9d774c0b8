import { describe, expect, it } from 'vitest';
import { dataUrlBytes, dataUrlMime, inDesktop, pdfFileName } from './pdf-files';

describe('printed PDF files', () => {
  it('names a file after the order, the document, its language and paper, and the signed hash', () => {
    const hash = '3f2a9c1b'.padEnd(64, '0');
    expect(pdfFileName('SH01-M-20261122-0007', { kind: 'intake_order', language: 'zh-CN', paper: 'a4', content_hash: hash })).toBe(
      'SH01-M-20261122-0007-intake-zh-CN-3f2a9c1b.pdf',
    );
    expect(pdfFileName('SH01-R-20261122-0002', { kind: 'supplemental_authorization', language: 'en', paper: 'letter', content_hash: hash })).toBe(
      'SH01-R-20261122-0002-supplemental-en-letter-3f2a9c1b.pdf',
    );
    expect(pdfFileName('SH01-R-20261122-0002', { kind: 'delivery_note', language: 'en', paper: 'a4', content_hash: hash })).toBe(
      'SH01-R-20261122-0002-delivery-en-3f2a9c1b.pdf',
    );
  });

  it('decodes the data URL the core sends back to the exact PDF bytes', () => {
    const bytes = dataUrlBytes('data:application/pdf;base64,JVBERi0xLjcK/w==');
    expect(new TextDecoder().decode(bytes.slice(0, 8))).toBe('%PDF-1.7');
    expect(bytes[bytes.length - 1]).toBe(0xff);
  });

  it('reads the type a data URL declares, for a download of the right kind', () => {
    expect(dataUrlMime('data:text/csv;base64,77u/')).toBe('text/csv');
    expect(dataUrlMime('data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,UEs=')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(dataUrlMime('not a data url')).toBe('application/octet-stream');
  });

  it('tells the desktop window from a browser by the Tauri internals', () => {
    expect(inDesktop({ __TAURI_INTERNALS__: {} })).toBe(true);
    expect(inDesktop({})).toBe(false);
  });
});
