// CONTRACT STUB — replaced by the stage that owns `acesync explain`.
export async function main(args: string[]): Promise<number> {
  void args;
  process.stderr.write('acesync explain: not implemented yet\n');
  return 1;
}
