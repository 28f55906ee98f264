/** A cloud assembly the emulator cannot run: the message says what is wrong and what it needs instead. */
export class AssemblyError extends Error {}
