// CONTRACT STUB — replaced by the stage that owns `acesync replay`.
export async function main(args: string[]): Promise<number> {
  void args;
  process.stderr.write('acesync replay: not implemented yet\n');
  return 1;
}
