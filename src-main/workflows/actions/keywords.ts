// The words flag_bankruptcy looks for unless a workflow names its own: defined with its params in the contract.
export { BANKRUPTCY_KEYWORDS } from '../../contract/workflow-actions';

export interface KeywordMatch {
  keyword: string;
  /** The word as the text writes it: "Konkursbo" for the keyword "konkurs". */
  matched_text: string;
  /** Up to 40 characters either side, for a reader to see the context. */
  excerpt: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words of the text that start with a keyword (case-insensitive, any script), first match per keyword, in text order. */
export function matchKeywords(text: string, keywords: readonly string[]): KeywordMatch[] {
  const matches: (KeywordMatch & { index: number })[] = [];
  for (const keyword of keywords) {
    if (keyword.trim() === '') continue;
    const found = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(keyword.trim())}[\\p{L}\\p{N}]*`, 'iu').exec(text);
    if (!found) continue;
    const start = Math.max(0, found.index - 40);
    const end = Math.min(text.length, found.index + found[0].length + 40);
    const excerpt = `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`;
    matches.push({ keyword, matched_text: found[0], excerpt, index: found.index });
  }
  return matches.sort((a, b) => a.index - b.index).map(({ index: _index, ...match }) => match);
}
