/**
 * Finding the highest lossless rate honestly: every rate is offered REPS times and counts as lossless only if every
 * repetition lost nothing; a coarse grid finds the knee, then a fine grid (the caller's step) walks up from the last
 * lossless coarse rate. The figure is the offered rate; min/median/max of the achieved send rates of that rate's
 * repetitions are kept too. When the sender could not reach the offered rate (achieved < 97 %), the result is the
 * sender's ceiling, reported as such (`>=`), never as the receiver's limit.
 */
export interface Attempt {
  ok: boolean;
  /** Rate the sender actually achieved (per s). */
  achieved: number;
}

export interface LadderResult {
  /** Highest offered rate whose every repetition was lossless (0: none). */
  lossless: number;
  achievedMin: number;
  achievedMedian: number;
  achievedMax: number;
  /** The sender's ceiling was reached at the lossless rate: the receiver's limit is at least this. */
  ceiling: boolean;
  /** The figure to report: the lossless offered rate, or at the sender's ceiling the median achieved rate. */
  figure: number;
  /** Every repetition run: rate -> ok flags. */
  log: Array<{ rate: number; ok: boolean; achieved: number }>;
}

export const REPS = 3;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function ladder(
  coarse: readonly number[],
  fineStep: number,
  attempt: (rate: number) => Promise<Attempt>,
  reps = REPS,
): Promise<LadderResult> {
  // BENCH_QUICK=1: a smoke run of the harness (one repetition, two rates); its figures mean nothing.
  if (process.env.BENCH_QUICK === '1') {
    reps = 1;
    coarse = coarse.slice(0, 2);
  }
  const log: LadderResult['log'] = [];
  const good = new Map<number, number[]>();
  const tryRate = async (rate: number): Promise<boolean> => {
    const achieved: number[] = [];
    for (let i = 0; i < reps; i++) {
      const a = await attempt(rate);
      log.push({ rate, ok: a.ok, achieved: a.achieved });
      if (!a.ok) return false;
      achieved.push(a.achieved);
    }
    good.set(rate, achieved);
    return true;
  };
  let lastOk = 0;
  let failed: number | undefined;
  for (const rate of coarse) {
    if (await tryRate(rate)) lastOk = rate;
    else {
      failed = rate;
      break;
    }
  }
  if (failed !== undefined)
    for (let rate = lastOk + fineStep; rate < failed; rate += fineStep) {
      if (!(await tryRate(rate))) break;
      lastOk = rate;
    }
  const achieved = good.get(lastOk) ?? [0];
  const ceiling = lastOk > 0 && median(achieved) < lastOk * 0.97;
  return {
    figure: ceiling ? Math.round(median(achieved)) : lastOk,
    lossless: lastOk,
    achievedMin: Math.round(Math.min(...achieved)),
    achievedMedian: Math.round(median(achieved)),
    achievedMax: Math.round(Math.max(...achieved)),
    ceiling,
    log,
  };
}

/** `>= 150000 (sender ceiling)` or `150000`. */
export function describe(r: LadderResult): string {
  const spread = `achieved min/median/max ${r.achievedMin}/${r.achievedMedian}/${r.achievedMax}`;
  return `${r.ceiling ? '>= ' : ''}${r.figure}/s${r.ceiling ? " (the sender's ceiling)" : ''}; ${spread}`;
}
