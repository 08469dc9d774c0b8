/**
 * The top bar's search box is where a check-in starts: the board's "New
 * check-in" asks it to open (a returning customer is the common case), and
 * "new customer" is offered in its results.
 */
export const searchRequests = $state({ count: 0 });

export function openSearch(): void {
  searchRequests.count++;
}

/** The new-customer form's query for what was typed, put where the core says it belongs. */
export function prefillQuery(typed: { kind: string; value: string } | null | undefined): Record<string, string> {
  return typed ? { [typed.kind]: typed.value } : {};
}
