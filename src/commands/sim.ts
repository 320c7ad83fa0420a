// CONTRACT STUB — replaced by the stage that owns `acesync sim`.
export async function main(args: string[]): Promise<number> {
  void args;
  process.stderr.write('acesync sim: not implemented yet\n');
  return 1;
}
