/**
 * Opening and saving a printed PDF (or another file the core sends, such as a
 * KPI export) where the user is. In a browser (a workshop
 * tablet, the tests) the PDF opens in a new tab and "save" is a download; in
 * the desktop window it opens in the system's PDF viewer and "save" asks where,
 * through Tauri's opener, dialog and fs plugins (scoped in
 * src-tauri/capabilities/default.json). The PDF arrives as a data URL from the
 * core, byte for byte the archived copy.
 */
import type { ArchivedDocument } from './generated/ArchivedDocument';

export type Outcome = 'opened' | 'saved' | 'cancelled';

/** True inside the Tauri window. */
export function inDesktop(win: object | undefined = typeof window === 'undefined' ? undefined : window): boolean {
  return !!win && '__TAURI_INTERNALS__' in win;
}

/** `SH01-M-20261122-0007-intake-zh-CN-3f2a9c1b.pdf`: order, kind, language, paper, signed hash. */
export function pdfFileName(orderNumber: string, doc: Pick<ArchivedDocument, 'kind' | 'language' | 'paper' | 'content_hash'>): string {
  const kind = doc.kind.replace(/_(order|authorization|note)$/, '').replace(/_/g, '-');
  const paper = doc.paper === 'letter' ? '-letter' : '';
  return `${orderNumber}-${kind}-${doc.language}${paper}-${doc.content_hash.slice(0, 8)}.pdf`;
}

/** The bytes of a `data:…;base64,…` URL. */
export function dataUrlBytes(dataUrl: string): Uint8Array {
  const comma = dataUrl.indexOf(',');
  const bin = atob(dataUrl.slice(comma + 1));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The MIME type a `data:<mime>;base64,…` URL declares. */
export function dataUrlMime(dataUrl: string): string {
  return /^data:([^;,]+)/.exec(dataUrl)?.[1] ?? 'application/octet-stream';
}

function blobUrl(dataUrl: string): string {
  return URL.createObjectURL(new Blob([dataUrlBytes(dataUrl) as BlobPart], { type: dataUrlMime(dataUrl) }));
}

// Blob URLs are kept for the page's life: the opened tab still reads from them.
function clickLink(href: string, attrs: { download?: string; target?: string }): void {
  const a = document.createElement('a');
  a.href = href;
  if (attrs.download) a.download = attrs.download;
  if (attrs.target) {
    a.target = attrs.target;
    a.rel = 'noopener';
  }
  document.body.appendChild(a);
  a.click();
  a.remove();
}

const TEMP_FOLDER = 'stationdesk';

export async function openPdf(dataUrl: string, fileName: string): Promise<Outcome> {
  if (!inDesktop()) {
    clickLink(blobUrl(dataUrl), { target: '_blank' });
    return 'opened';
  }
  const fs = await import('@tauri-apps/plugin-fs');
  const { tempDir, join } = await import('@tauri-apps/api/path');
  const { openPath } = await import('@tauri-apps/plugin-opener');
  await fs.mkdir(TEMP_FOLDER, { baseDir: fs.BaseDirectory.Temp, recursive: true });
  await fs.writeFile(`${TEMP_FOLDER}/${fileName}`, dataUrlBytes(dataUrl), { baseDir: fs.BaseDirectory.Temp });
  await openPath(await join(await tempDir(), TEMP_FOLDER, fileName));
  return 'opened';
}

export async function savePdf(dataUrl: string, fileName: string): Promise<Outcome> {
  return saveFile(dataUrl, fileName);
}

/** Saves any file the core sent as a data URL (a PDF, a KPI export): a download, or where the user picks. */
export async function saveFile(dataUrl: string, fileName: string): Promise<Outcome> {
  if (!inDesktop()) {
    clickLink(blobUrl(dataUrl), { download: fileName });
    return 'saved';
  }
  const { save } = await import('@tauri-apps/plugin-dialog');
  const fs = await import('@tauri-apps/plugin-fs');
  const extension = fileName.split('.').pop() ?? '';
  const path = await save({ defaultPath: fileName, filters: [{ name: extension.toUpperCase(), extensions: [extension] }] });
  if (!path) return 'cancelled';
  await fs.writeFile(path, dataUrlBytes(dataUrl));
  return 'saved';
}
