/**
 * One repair order as its page works on it: the detail the core returned last,
 * the audit log, and `act` for every change. Every change sends the version it
 * read (`expected_version`); a stale one comes back as `order.version_conflict`,
 * which the page shows as a banner with a Reload button — nothing is resent or
 * overwritten on the user's behalf.
 */
import { api, ApiError, type Input, type OperationName, type Output } from './backend';
import type { ArchivedDocument } from './generated/ArchivedDocument';
import type { AuditEntry } from './generated/AuditEntry';
import type { OrderDetail } from './generated/OrderDetail';
import type { StaffInfo } from './generated/StaffInfo';
import type { CatalogEntry } from './generated/CatalogEntry';
import type { PaperSize } from './generated/PaperSize';
import type { Part } from './generated/Part';
import type { PrintedDocument } from './generated/PrintedDocument';
import type { FormState } from './forms.svelte';

/** Operations that change an order and answer with its page. */
export type OrderOp = {
  [K in OperationName]: Output<K> extends OrderDetail ? (Input<K> extends { expected_version: number } ? K : never) : never;
}[OperationName];

export const VERSION_CONFLICT = 'order.version_conflict';

export class OrderPage {
  readonly id: string;
  detail = $state<OrderDetail | null>(null);
  audit = $state<AuditEntry[]>([]);
  staff = $state<StaffInfo[]>([]);
  loadError = $state<ApiError | null>(null);
  /** Someone else changed the order since it was read. */
  conflict = $state(false);
  busy = $state(false);
  /** A poll saw a newer version than the one on screen. */
  stale = $state(false);
  /** The labor catalog and the parts inventory, for adding lines. */
  labor = $state<CatalogEntry[]>([]);
  parts = $state<Part[]>([]);

  /** The order's archive of printed PDFs, oldest first. */
  documents = $state<ArchivedDocument[]>([]);
  /** The paper new prints use. */
  paper = $state<PaperSize>('a4');
  /** The document printed last on this page (the archive highlights it). */
  lastPrinted = $state<string | null>(null);

  constructor(id: string) {
    this.id = id;
  }

  get version(): number {
    return this.detail?.order.version ?? 0;
  }

  async load(): Promise<void> {
    try {
      const [detail, audit] = await Promise.all([api.call('get_order_detail', { id: this.id }), api.call('get_order_audit', { id: this.id })]);
      this.detail = detail;
      this.audit = audit.entries;
      this.loadError = null;
      this.conflict = false;
      this.stale = false;
    } catch (e) {
      this.loadError = ApiError.from(e);
    }
    void this.loadDocuments();
    if (!this.staff.length) {
      api
        .call('list_staff', {})
        .then((l) => (this.staff = l.staff))
        .catch(() => undefined);
    }
  }

  /** Reads the labor catalog and the inventory (stock changes as lines are approved and issued). */
  async loadCatalogs(): Promise<void> {
    const [labor, parts] = await Promise.all([
      api.call('list_labor_operations', {}).catch(() => null),
      api.call('list_parts', { q: '', low_only: false }).catch(() => null),
    ]);
    if (labor) this.labor = labor.operations.filter((o) => o.active);
    if (parts) this.parts = parts.parts.filter((p) => p.active);
  }

  async loadDocuments(): Promise<void> {
    try {
      this.documents = (await api.call('list_order_documents', { ro_id: this.id })).documents;
    } catch {
      /* the archive shows what it had; the next load tries again */
    }
  }

  /**
   * Prints a signed document as PDF on the page's paper: the core verifies the
   * order first and archives the PDF (a reprint returns the archived bytes).
   */
  async print(authorizationId: string): Promise<PrintedDocument> {
    const printed = await api.call('print_document', { ro_id: this.id, authorization_id: authorizationId, paper: this.paper });
    this.lastPrinted = printed.document_id;
    await this.loadDocuments();
    return printed;
  }

  part(id: string | null): Part | undefined {
    return id ? this.parts.find((p) => p.id === id) : undefined;
  }

  /** Looks for someone else's change without replacing what is on screen. */
  async poll(): Promise<void> {
    if (!this.detail || this.busy) return;
    try {
      const now = await api.call('get_repair_order', { id: this.id });
      if (now.version > this.version && !this.busy) this.stale = true;
    } catch {
      /* the next poll tries again */
    }
  }

  staffName(id: string | null | undefined): string {
    if (!id) return '—';
    return this.staff.find((s) => s.id === id)?.name ?? '—';
  }

  /**
   * Sends `op` with the version this page read; on success the page shows the
   * answer. Throws the error (the caller's form places it), and on a version
   * conflict also raises the banner.
   */
  async act<K extends OrderOp>(op: K, input: Omit<Input<K>, 'expected_version'>): Promise<OrderDetail> {
    this.busy = true;
    try {
      const detail = (await api.call(op, { ...input, expected_version: this.version } as Input<K>)) as OrderDetail;
      this.detail = detail;
      api
        .call('get_order_audit', { id: this.id })
        .then((a) => (this.audit = a.entries))
        .catch(() => undefined);
      return detail;
    } catch (e) {
      const err = ApiError.from(e);
      if (err.code === VERSION_CONFLICT) this.conflict = true;
      throw err;
    } finally {
      this.busy = false;
    }
  }

  /**
   * `act` through a form: the form shows the error beside its field (or at its
   * top); a version conflict is left to the page's banner instead.
   */
  async submit<K extends OrderOp>(form: FormState, op: K, input: Omit<Input<K>, 'expected_version'>): Promise<OrderDetail | undefined> {
    const done = await form.submit(() => this.act(op, input));
    if (form.form?.code === VERSION_CONFLICT) form.form = null;
    return done;
  }
}
