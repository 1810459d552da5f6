/** The named variables of this process's environment that are set, to pass on to a process under test. */
export function passThrough(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = process.env[name];
      return value ? [[name, value]] : [];
    }),
  );
}
