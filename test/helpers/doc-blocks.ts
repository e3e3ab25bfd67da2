/**
 * The fenced code blocks of the README and of docs/*.md, as the runnable-examples test reads them.
 *
 * A block's info string is its language, then words: `runnable` (the test runs it against a private gnome-keyring),
 * `file=PATH` (the block is that file of the repository, verbatim; another test runs the file). A ```text output
 * block right after a runnable one is what the example must print on stdout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes.js';

export interface DocBlock {
  /** The document, relative to the repository root. */
  document: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  runnable: boolean;
  /** `file=PATH`: the repository file the block shows. */
  file?: string;
  /** The expected stdout, from a ```text output block that follows. */
  output?: string;
  code: string;
}

/** Languages whose blocks must be runnable or show a file: anything else would be an example no test runs. */
export const CHECKED_LANGUAGES = new Set(['js', 'mjs', 'cjs', 'javascript', 'ts', 'mts', 'typescript']);

/** README.md and every Markdown file in docs/, relative to the repository root. */
export function documents(): string[] {
  const guides = readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...guides];
}

/** Every fenced block of one Markdown text, with its info string read. */
export function parseBlocks(markdown: string, document: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  let previousEnd = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const [lang = '', ...words] = open[2].trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].startsWith(fence) && lines[j].slice(fence.length).trim() === '')) {
      body.push(lines[j]);
      j++;
    }
    if (j === lines.length) throw new Error(`${document}:${i + 1}: the code block is never closed`);
    const block: DocBlock = { document, line: i + 1, lang, runnable: false, code: body.join('\n') + '\n' };
    for (const word of words) {
      if (word === 'runnable') block.runnable = true;
      else if (word.startsWith('file=')) block.file = word.slice('file='.length);
      else if (word !== 'output') throw new Error(`${document}:${i + 1}: unknown word "${word}" after the language`);
    }
    const previous = blocks.at(-1);
    if (words.includes('output')) {
      const onlyBlankBetween = previous && lines.slice(previousEnd, i).every((line) => line.trim() === '');
      if (!previous?.runnable || !onlyBlankBetween)
        throw new Error(
          `${document}:${i + 1}: an output block must follow a runnable block, with only blank lines between`,
        );
      previous.output = block.code;
    } else {
      blocks.push(block);
    }
    previousEnd = j + 1;
    i = j;
  }
  return blocks;
}

/** The blocks of every document. */
export function allBlocks(): DocBlock[] {
  return documents().flatMap((document) => parseBlocks(readFileSync(join(REPO_ROOT, document), 'utf8'), document));
}
