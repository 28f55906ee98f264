import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The README and docs/ link to each other, to their headings and to files of the repository. A moved
 * section or a renamed heading breaks such a link silently (GitHub shows a page without complaint), so
 * every relative link is checked here: its file must exist and its `#anchor` must be a heading there.
 */

const ROOT = path.resolve(__dirname, '../..');

function markdownFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  return ['README.md', 'client/README.md', ...docs].filter((file) => fs.existsSync(path.join(ROOT, file)));
}

/** Text outside fenced code blocks and inline code, where `](` is not a link. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings, numbered as GitHub numbers repeats (`a`, `a-1`). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1].replace(/`/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

interface Link {
  file: string;
  target: string;
}

function relativeLinks(file: string): Link[] {
  const text = proseOf(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  const links: Link[] = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    links.push({ file, target });
  }
  return links;
}

/** Why the link is broken, or undefined when it is not. */
function problemOf({ file, target }: Link): string | undefined {
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const resolved = pathPart === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURI(pathPart));
  if (!fs.existsSync(resolved)) return `${file}: link to ${target}: no file ${path.relative(ROOT, resolved)}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!resolved.endsWith('.md')) return undefined;
  const anchors = anchorsOf(fs.readFileSync(resolved, 'utf8'));
  if (anchors.has(anchor)) return undefined;
  return `${file}: link to ${target}: ${path.relative(ROOT, resolved)} has no heading with anchor #${anchor}`;
}

describe('documentation links', () => {
  it('finds the README and the docs', () => {
    const files = markdownFiles();
    expect(files).toContain('README.md');
    expect(files.length).toBeGreaterThan(3);
    expect(files.flatMap(relativeLinks).length).toBeGreaterThan(20);
  });

  it('every relative link names a file that exists, and every #anchor a heading in it', () => {
    const problems = markdownFiles()
      .flatMap(relativeLinks)
      .map(problemOf)
      .filter((problem): problem is string => problem !== undefined);
    expect(problems).toEqual([]);
  });

  it('makes anchors as GitHub does', () => {
    expect(slug('With Cognito (the default)')).toBe('with-cognito-the-default');
    expect(slug('Deploy and verify')).toBe('deploy-and-verify');
    expect(slug('Metrics, alarms, dashboard')).toBe('metrics-alarms-dashboard');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### `code` B\n')]).toEqual(['a', 'a-1', 'code-b']);
    expect(problemOf({ file: 'README.md', target: '#no-such-heading-here' })).toMatch(/no heading with anchor/);
    expect(problemOf({ file: 'README.md', target: 'docs/no-such-file.md' })).toMatch(/no file docs\/no-such-file.md/);
  });
});
