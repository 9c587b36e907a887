import { ADMIN_PASSWORD_VARIABLE, ensureRoles, roleUrl, VIEWER_PASSWORD_VARIABLE, type RoleOutcome } from '../db/roles';
import { openWritableTarget } from '../source/open-source';
import type { CommandIo } from './io';

const given = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/**
 * `mailtrail roles [--db URL] [--json]`: creates or updates the viewer and admin roles on the
 * owner's connection. A password is shown here once and kept nowhere by Mailtrail.
 */
export async function runRoles(options: { db: string | undefined; json: boolean }, io: CommandIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const target = await openWritableTarget({ db: options.db, env, onProgress: io.note });
  try {
    const client = await target.db.connect();
    let outcome: Awaited<ReturnType<typeof ensureRoles>>;
    try {
      outcome = await ensureRoles(client, { viewer: given(env[VIEWER_PASSWORD_VARIABLE]), admin: given(env[ADMIN_PASSWORD_VARIABLE]) });
    } finally {
      client.release();
    }
    const described = (role: RoleOutcome, variable: string) => ({
      role: role.role,
      created: role.created,
      password_changed: role.password !== null,
      // Without the password when the role kept its own: Mailtrail does not know it.
      url: roleUrl(target.url, role.role, role.password),
      variable,
    });
    const viewer = described(outcome.viewer, VIEWER_PASSWORD_VARIABLE);
    const admin = described(outcome.admin, ADMIN_PASSWORD_VARIABLE);
    if (options.json) {
      const strip = ({ variable: _variable, ...rest }: typeof viewer) => rest;
      io.out(JSON.stringify({ database: outcome.database, viewer: strip(viewer), admin: strip(admin) }));
      return 0;
    }
    for (const [use, role] of [['viewer (read-only)', viewer], ['admin (retention, holds)', admin]] as const) {
      const state = role.created ? 'created' : 'updated';
      const password = role.password_changed ? 'new password, shown only now' : `password unchanged (set ${role.variable} to change it)`;
      io.out(`${role.role}: ${state}, ${password}; ${use}: ${role.url}`);
    }
    io.out(`roles ready on ${target.description}`);
    return 0;
  } finally {
    await target.close();
  }
}
