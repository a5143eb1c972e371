/** Runs once when a server process starts (Next.js instrumentation hook): settings check, start-up warnings. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startup } = await import('./lib/server/startup');
  startup();
}
