// Every relative link in README.md and the pages under docs/ leads somewhere: the file exists and,
// when the link names a heading (`page.md#heading`), the page has that heading as GitHub slugs it.
// Moving a section between pages is then safe: a link left pointing at the old place fails here.

import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import GithubSlugger from "github-slugger";
import { marked, type Token } from "marked";
import { describe, expect, test } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Pages written by hand (docs/examples/ holds generated reports, whose links point at the docs URL). */
async function pages(): Promise<string[]> {
  const docs = await readdir(join(ROOT, "docs"), { recursive: true });
  return [
    "README.md",
    ...docs.filter((name) => name.endsWith(".md") && !name.startsWith("examples")).map((name) => join("docs", name)),
  ].sort();
}

function walk(tokens: readonly Token[], visit: (token: Token) => void): void {
  for (const token of tokens) {
    visit(token);
    const children = (token as { tokens?: Token[] }).tokens;
    if (children) walk(children, visit);
    const items = (token as { items?: Token[] }).items;
    if (items) walk(items, visit);
    const rows = (token as { rows?: { tokens: Token[] }[][]; header?: { tokens: Token[] }[] }).rows;
    if (rows) for (const row of rows) for (const cell of row) walk(cell.tokens, visit);
    const header = (token as { header?: { tokens: Token[] }[] }).header;
    if (Array.isArray(header)) for (const cell of header) walk(cell.tokens, visit);
  }
}

async function lexed(page: string): Promise<Token[]> {
  return marked.lexer(await readFile(join(ROOT, page), "utf8"));
}

/** The anchors GitHub gives a page's headings, duplicates numbered as GitHub numbers them. */
async function anchorsOf(page: string): Promise<Set<string>> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  walk(await lexed(page), (token) => {
    if (token.type === "heading") anchors.add(slugger.slug((token as { text: string }).text.replace(/`/g, "")));
  });
  return anchors;
}

async function linksOf(page: string): Promise<string[]> {
  const links: string[] = [];
  walk(await lexed(page), (token) => {
    if (token.type === "link" || token.type === "image") links.push((token as { href: string }).href);
  });
  return links;
}

const PAGES = await pages();

describe.each(PAGES)("%s", (page) => {
  test("every relative link names a file that exists and a heading it has", async () => {
    const broken: string[] = [];
    for (const href of await linksOf(page)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto:
      const [path = "", anchor] = href.split("#");
      const target = path === "" ? join(ROOT, page) : resolve(join(ROOT, dirname(page)), decodeURI(path));
      if (!target.startsWith(ROOT) || !existsSync(target)) {
        broken.push(`${href}: no such file`);
        continue;
      }
      if (anchor !== undefined && target.endsWith(".md")) {
        const anchors = await anchorsOf(relative(ROOT, target));
        if (!anchors.has(anchor)) broken.push(`${href}: ${relative(ROOT, target)} has no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

test("the link check reads links and headings (a page with neither would pass it vacuously)", async () => {
  expect(PAGES).toContain("README.md");
  expect((await linksOf("README.md")).length).toBeGreaterThan(5);
  expect((await anchorsOf("README.md")).size).toBeGreaterThan(5);
});
