// CONTRACT STUB — implemented by the parser work: `acesync parse [FILE...] [--stats]`.
export async function main(args: string[]): Promise<number> {
  void args;
  process.stderr.write('acesync parse: not implemented yet\n');
  return 1;
}
