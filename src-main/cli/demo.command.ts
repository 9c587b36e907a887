import { migrate } from '../db/migrate';
import { databaseNow, fillDemo } from '../demo/demo';
import { openWritableTarget } from '../source/open-source';
import type { CommandIo } from './io';

const PROGRESS_EVERY_MS = 1_000;

/** `mailtrail demo`: migrates, then writes the demo activity with a writable pool. */
export async function runDemo(options: { db: string | undefined; emails: number; seed: number; until: string | undefined }, io: CommandIo): Promise<number> {
  const target = await openWritableTarget({ db: options.db, onProgress: io.note });
  try {
    await migrate(target.db);
    // Without --until the activity ends now, in the database's own clock, so "last 7 days" has data.
    const until = options.until ?? (await databaseNow(target.db));
    io.note(`writing ${options.emails} demo emails (seed ${options.seed}, until ${until}) into ${target.description}`);
    const started = Date.now();
    let reported = started;
    const result = await fillDemo(target.db, {
      emails: options.emails,
      seed: options.seed,
      until,
      onProgress: ({ emails, events }) => {
        if (Date.now() - reported < PROGRESS_EVERY_MS) return;
        reported = Date.now();
        io.note(`${emails} of ${options.emails} emails, ${events} events`);
      },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.out(`wrote ${result.emails} emails, ${result.events} events and ${result.users} users in ${seconds} s`);
    return 0;
  } finally {
    await target.close();
  }
}
