/**
 * The core decides, the UI shows: no component under ui/src may hold a list of
 * order or approval states, a role check, or money arithmetic. What the caller
 * may do and the amounts come with the records (`may`, `shows`, `moves`, the
 * totals; `me.may` for the desk). This scan fails when one creeps back in.
 *
 * The names it looks for are read from the generated types, so a state or a
 * role added in Rust is covered without touching this file.
 */
import { describe, expect, it } from 'vitest';
import approvalTs from './generated/Approval.ts?raw';
import roleTs from './generated/Role.ts?raw';
import roStatusTs from './generated/RoStatus.ts?raw';
import consoleRoleTs from './generated/console/Role.ts?raw';

/** Every component and module under ui/src, by its path from ui/src. */
const SOURCES = Object.fromEntries(
  Object.entries(import.meta.glob(['../**/*.svelte', '../**/*.ts', '!../**/*.test.ts', '!../lib/generated/**'], { query: '?raw', import: 'default', eager: true })).map(
    ([path, text]) => [path.replace(/^\.\//, 'lib/').replace(/^\.\.\//, ''), text as string],
  ),
);

/** The string members of a generated union type (`export type X = "a" | "b";`). */
function union(text: string): string[] {
  return [...text.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
}

const STATES = [...new Set([...union(roStatusTs), ...union(approvalTs)])];
const ROLES = [...new Set([...union(roleTs), ...union(consoleRoleTs)])];
/** Names that hold money (or a rate applied to it) in the records the core returns. */
const MONEY = ['amount', 'total', 'subtotal', 'balance', 'price', 'unit_price', 'discount', 'tax', 'tax_rate_bp', 'paid', 'authorized', 'uncovered', 'rate', 'minor', 'fen'];

/**
 * Where a name is something else: each entry is a file, the literal, and why.
 * Keep it short; a real status, role or sum belongs in the core.
 */
const ALLOWED: { file: string; text: string; why: string }[] = [
  { file: 'lib/pdf-files.ts', text: "'cancelled'", why: "the save dialog's outcome, not an order's" },
  { file: 'screens/followup/CallForm.svelte', text: "'declined'", why: 'a follow-up call outcome (the customer declined the survey)' },
  { file: 'screens/Complaints.svelte', text: "'closed'", why: "the ledger's filter key in the address" },
  { file: 'lib/components/Pager.svelte', text: 'total /', why: 'a count of rows, not money' },
];

export interface Finding {
  file: string;
  line: number;
  rule: 'status' | 'role' | 'money';
  text: string;
}

/** Code only: comments and `<style>` blocks say nothing the user sees decided. */
function code(text: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, ' ');
  return text
    .replace(/<style[\s\S]*?<\/style>/g, blank)
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, (m, p: string) => p + blank(m.slice(p.length)));
}

const word = (names: string[]) => names.join('|');
// A markup attribute (`class="advisor"`, `data-testid="cancelled"`) names a style or a test hook, not a rule.
const STATE_LITERAL = new RegExp(`(?<![\\w-]=)(['"\`])(${word(STATES)})\\1`, 'g');
const ROLE_LITERAL = new RegExp(`(?<![\\w-]=)(['"\`])(${word(ROLES)})\\1`, 'g');
const ROLE_CALL = /\b(role|can|canEdit)\(\)\s*(===|!==)|\bcan\(\s*['"]/g;
const M = word(MONEY);
// A money name on either side of + - * / % with spaces around (how prettier writes arithmetic).
const MONEY_MATH = new RegExp(`\\b(${M})\\b\\)?\\s+[-+*/%]\\s+[\\w(.]|[\\w)\\]]\\s+[-+*/%]\\s+(\\(\\s*)?[\\w.?!]*\\b(${M})\\b`, 'g');

/** Every place in `text` (the file at `file`, relative to ui/src) that breaks the rule. */
export function ruleBreaks(file: string, text: string): Finding[] {
  const out: Finding[] = [];
  const lines = code(text).split('\n');
  lines.forEach((line, i) => {
    const add = (rule: Finding['rule'], found: string) => {
      if (!ALLOWED.some((a) => a.file === file && found.includes(a.text))) out.push({ file, line: i + 1, rule, text: found.trim() });
    };
    for (const m of line.matchAll(STATE_LITERAL)) add('status', m[0]);
    for (const m of line.matchAll(ROLE_LITERAL)) add('role', m[0]);
    for (const m of line.matchAll(ROLE_CALL)) add('role', m[0]);
    for (const m of line.matchAll(MONEY_MATH)) add('money', m[0]);
  });
  return out;
}

describe('the UI holds no rules of its own', () => {
  it('catches a reintroduced role check, status list or sum', () => {
    expect(ruleBreaks('x.svelte', "const isManager = $derived(session.me?.staff.role === 'manager');").map((f) => f.rule)).toEqual(['role']);
    expect(ruleBreaks('x.svelte', "{#if can('advisor')}")).toHaveLength(2);
    expect(ruleBreaks('x.svelte', "const EDITABLE = ['checked_in', 'diagnosing'];").map((f) => f.rule)).toEqual(['status', 'status']);
    expect(ruleBreaks('x.svelte', 'const subtotal = jobs.reduce((s, j) => s + j.amount, 0);').map((f) => f.rule)).toContain('money');
    expect(ruleBreaks('x.svelte', '{formatMoney(totals.approved.total - totals.authorized)}').map((f) => f.rule)).toEqual(['money']);
    expect(ruleBreaks('x.svelte', 'const tax = Math.floor((discounted * detail.totals.tax_rate_bp + 5000) / 10000);').map((f) => f.rule)).toContain('money');
  });

  it('leaves alone what only looks like one: styles, comments, keys and class names', () => {
    expect(ruleBreaks('x.svelte', '<style>.approval.approved { color: green; }</style>')).toEqual([]);
    expect(ruleBreaks('x.svelte', "// the manager's discount: total - discount")).toEqual([]);
    expect(ruleBreaks('x.svelte', '<td data-testid="estimate-{r}" class="total-row">{t(`status.${order.status}`)}</td>')).toEqual([]);
    expect(ruleBreaks('x.svelte', '{#if totals.uncovered > 0}')).toEqual([]);
    expect(ruleBreaks('x.svelte', '<span class="advisor" data-testid="cancelled">')).toEqual([]);
  });

  it('finds none in any component under ui/src', () => {
    expect(Object.keys(SOURCES)).toContain('screens/order/Totals.svelte');
    expect(STATES).toContain('quality_check');
    expect(ROLES).toContain('manager');
    const found = Object.entries(SOURCES).flatMap(([path, text]) => ruleBreaks(path, text));
    expect(found.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.text}`)).toEqual([]);
  });
});
