import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE, type CommandOptions } from '../../src-main/cli/command-line';
import { slugOf } from '../../src-renderer/help/guide-markdown';

// Issue 17, item 6: the user guide stays true. A referenced image or a documented command that does not
// exist fails here, as does a link to a file or heading that is not there.
const ROOT = resolve(__dirname, '../..');
const GUIDE = join(ROOT, 'docs/guide');
const IMAGES = join(GUIDE, 'images');


interface Chapter {
  file: string;
  tokens: Token[];
}

const chapters = (): Chapter[] =>
  readdirSync(GUIDE)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => ({ file: join(GUIDE, name), tokens: marked.lexer(readFileSync(join(GUIDE, name), 'utf8')) }));

function walk(tokens: Token[], visit: (token: Token) => void): void {
  marked.walkTokens(tokens, visit);
}

/** GitHub's anchors of a Markdown file: each heading's slug, a repeated one with -1, -2… */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  walk(marked.lexer(readFileSync(file, 'utf8')), (token) => {
    if (token.type !== 'heading') return;
    const slug = slugOf((token as Tokens.Heading).text);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  });
  return anchors;
}

/** Each `mailtrail <command> …` in code (blocks and inline), with the line it came from. */
export function commandLines(tokens: Token[]): string[] {
  const code: string[] = [];
  walk(tokens, (token) => {
    if (token.type === 'code') code.push(...(token as Tokens.Code).text.replace(/\\\n\s*/g, ' ').split('\n'));
    if (token.type === 'codespan') code.push((token as Tokens.Codespan).text);
  });
  const lines: string[] = [];
  for (const line of code) {
    // `mailtrail` as a word (not mailtrail_viewer, /var/lib/mailtrail or mailtrail-offline.sqlite), up to a comment or the next command.
    for (const match of line.matchAll(/(?:^|[\s(;&|`"'=])((?:npx\s+)?mailtrail\s+[a-z][^#;&]*)/g)) lines.push(match[1]!.trim());
  }
  return lines;
}

/** What is wrong with one documented command line, measured against the CLI's table; null when nothing is. */
export function problemWith(line: string, table: Readonly<Record<string, CommandOptions>>): string | null {
  const words = line.replace(/^npx\s+/, '').split(/\s+/).slice(1);
  const [command = '', ...rest] = words;
  const entry = table[command];
  if (!entry) return `\`mailtrail ${command}\` is not a command of the CLI (${Object.keys(table).join(', ')})`;
  let options: readonly string[];
  let name = command;
  if ('actions' in entry) {
    const action = rest[0];
    // The command named alone (`mailtrail retention`) is a mention, not a command line.
    if (action === undefined || action.startsWith('-')) return action === undefined ? null : `\`mailtrail ${command}\` needs an action (${Object.keys(entry.actions).join(', ')})`;
    const actionOptions = entry.actions[action];
    if (!actionOptions) return `\`mailtrail ${command} ${action}\` is not an action of \`${command}\` (${Object.keys(entry.actions).join(', ')})`;
    options = actionOptions;
    name = `${command} ${action}`;
  } else options = entry.options;
  for (const word of rest) {
    const flag = /^\[?--([a-z][\w-]*)/.exec(word)?.[1];
    if (flag === undefined || flag === 'help') continue;
    if (!options.includes(flag)) return `\`mailtrail ${name}\` has no option --${flag} (it takes ${options.map((option) => `--${option}`).join(', ') || 'none'})`;
  }
  return null;
}


/** The README's REST table as `METHOD /api/v1/path` patterns (`{id}` any one segment; an RPC operation may hold a slash). */
function readmeEndpoints(): { method: string; path: RegExp; text: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const endpoints: { method: string; path: RegExp; text: string }[] = [];
  for (const row of readme.split('\n').filter((line) => line.startsWith('| `'))) {
    const cell = row.split(/(?<!\\)\|/)[1] ?? '';
    for (const [, methods = '', path = ''] of cell.matchAll(/`([A-Z\\|]+) (\/api\/v1\/[^`]*)`/g)) {
      for (const method of methods.split(/\\?\|/)) {
        const pattern = path.replace(/[.*+?^$()[\]\\]/g, '\\$&').replace(/\{operation\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+');
        endpoints.push({ method, path: new RegExp(`^${pattern}$`), text: `${method} ${path}` });
      }
    }
  }
  return endpoints;
}

/** Each `curl` of the guide's code blocks as `METHOD /api/v1/path` (the query left out; `$API` is `…/api/v1`). */
export function curlRequests(tokens: Token[]): string[] {
  const requests: string[] = [];
  walk(tokens, (token) => {
    if (token.type !== 'code') return;
    for (const line of (token as Tokens.Code).text.replace(/\\\n\s*/g, ' ').split('\n')) {
      if (!/^\s*curl\s/.test(line)) continue;
      const path = /(?:\$API|https?:\/\/[^/\s"']+\/api\/v1)(\/[^\s"'?#]*)/.exec(line)?.[1];
      if (path === undefined) continue;
      const method = /-X\s+([A-Z]+)/.exec(line)?.[1] ?? (/\s(-d|--data-binary)\s/.test(line) ? 'POST' : 'GET');
      requests.push(`${method} /api/v1${path}`);
    }
  });
  return requests;
}

describe('the user guide', () => {
  const all = chapters();

  it('has its index and the five readers’ chapters', () => {
    expect(all.map((chapter) => relative(GUIDE, chapter.file))).toEqual(expect.arrayContaining(['README.md', 'auditor.md', 'offline.md', 'admin.md', 'developer.md', 'operator.md']));
  });

  it('references only images that exist, and every screenshot is referenced', () => {
    const referenced = new Set<string>();
    const missing: string[] = [];
    for (const chapter of all) {
      walk(chapter.tokens, (token) => {
        if (token.type !== 'image') return;
        const href = (token as Tokens.Image).href;
        const file = resolve(dirname(chapter.file), href);
        referenced.add(file);
        if (!existsSync(file)) missing.push(`${relative(ROOT, chapter.file)}: ${href}`);
      });
    }
    expect(missing).toEqual([]);
    expect(referenced.size).toBeGreaterThanOrEqual(10);
    const screenshots = readdirSync(IMAGES).filter((name) => name.endsWith('.png')).map((name) => join(IMAGES, name));
    expect(screenshots.filter((file) => !referenced.has(file)).map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const chapter of all) {
      walk(chapter.tokens, (token) => {
        if (token.type !== 'link') return;
        const href = (token as Tokens.Link).href;
        if (/^(https?:|mailto:)/.test(href)) return;
        const [target = '', anchor] = href.split('#', 2);
        const file = target === '' ? chapter.file : resolve(dirname(chapter.file), target);
        if (!existsSync(file)) broken.push(`${relative(ROOT, chapter.file)}: ${href} (no such file)`);
        else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor)) broken.push(`${relative(ROOT, chapter.file)}: ${href} (no such heading)`);
      });
    }
    expect(broken).toEqual([]);
  });

  it('documents only commands, actions and options the CLI has', () => {
    const table = COMMAND_TABLE;
    const lines = all.flatMap((chapter) => commandLines(chapter.tokens).map((line) => ({ chapter: relative(ROOT, chapter.file), line })));
    // Every chapter but the developer's shows the command line at work.
    expect(lines.length).toBeGreaterThan(40);
    const problems = lines.flatMap(({ chapter, line }) => {
      const problem = problemWith(line, table);
      return problem ? [`${chapter}: ${line}\n  ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('calls only REST endpoints the README lists', () => {
    const endpoints = readmeEndpoints();
    expect(endpoints.length).toBeGreaterThan(30);
    const known = (request: string) => {
      const [method, path = ''] = request.split(' ');
      return endpoints.some((endpoint) => endpoint.method === method && endpoint.path.test(path));
    };
    const requests = all.flatMap((chapter) => curlRequests(chapter.tokens).map((request) => ({ chapter: relative(ROOT, chapter.file), request })));
    expect(requests.length).toBeGreaterThan(40);
    expect(requests.filter(({ request }) => !known(request)).map(({ chapter, request }) => `${chapter}: ${request}`)).toEqual([]);
    // Every endpoint of the README has an example in the developer's chapter.
    const developer = curlRequests(all.find((chapter) => chapter.file.endsWith('developer.md'))!.tokens);
    const unshown = endpoints.filter((endpoint) => !developer.some((request) => request.startsWith(`${endpoint.method} `) && endpoint.path.test(request.split(' ')[1]!)));
    expect(unshown.map((endpoint) => endpoint.text)).toEqual([]);
  });

  it('catches a missing command, action or option (the check itself)', () => {
    const table = COMMAND_TABLE;
    expect(problemWith('npx mailtrail retention run --dry-run --json', table)).toBeNull();
    expect(problemWith('mailtrail serve --db URL --admin --admin-db URL', table)).toBeNull();
    expect(problemWith('mailtrail rotate --db URL', table)).toMatch(/`mailtrail rotate` is not a command/);
    expect(problemWith('mailtrail retention purge', table)).toMatch(/not an action of `retention`/);
    expect(problemWith('mailtrail seal --key k --force', table)).toMatch(/`mailtrail seal` has no option --force/);
    expect(problemWith('mailtrail backup restore FILE --db URL --force', table)).toBeNull();
    expect(problemWith('mailtrail backup restore FILE --to DIR', table)).toMatch(/has no option --to/);
    const [line] = commandLines(marked.lexer('```sh\nMAILTRAIL_X=1 npx mailtrail roles --db "$URL" --json  # note --nothing\n```'));
    expect(line).toBe('npx mailtrail roles --db "$URL" --json');
    expect(commandLines(marked.lexer('`mailtrail_viewer`, `/var/lib/mailtrail`, `mailtrail-offline.sqlite`'))).toEqual([]);
    expect(curlRequests(marked.lexer('```sh\ncurl -X DELETE "${ADMIN[@]}" "$API/retention/holds/1042"\ncurl -d \'{}\' http://h:1/api/v1/workflows?x=1\n```'))).toEqual([
      'DELETE /api/v1/retention/holds/1042',
      'POST /api/v1/workflows',
    ]);
  });
});
