// CONTRACT STUB — replaced by the stage that owns `acesync rules`.
export async function main(args: string[]): Promise<number> {
  void args;
  process.stderr.write('acesync rules: not implemented yet\n');
  return 1;
}
