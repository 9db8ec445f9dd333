// A line diff (longest common subsequence) for the report of a draft that started from a crew:
// the owner reads what changed, not the whole file again. Crew modules are small (hundreds of
// lines), so the quadratic table is cheap.
export function lineDiff(before: string, after: string, context = 2): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: { kind: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i]! });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ kind: '+', text: b[j++]! });
    } else {
      ops.push({ kind: '-', text: a[i++]! });
    }
  }
  // Unchanged lines far from any change are folded.
  const near = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.kind !== ' '));
  const out: string[] = [];
  let folded = false;
  ops.forEach((op, k) => {
    if (op.kind === ' ' && !near[k]) {
      if (!folded) out.push('…');
      folded = true;
      return;
    }
    folded = false;
    out.push(`${op.kind} ${op.text}`);
  });
  return out.join('\n');
}
