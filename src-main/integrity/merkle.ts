import { hash } from 'node:crypto';

const node = Buffer.alloc(65);
node[0] = 1;

/** RFC 6962's inner node: SHA-256(0x01 || left || right), the hashes as latin1 strings (cheaper than a Buffer each). */
function innerHash(left: string, right: string): string {
  node.write(left, 1, 32, 'latin1');
  node.write(right, 33, 32, 'latin1');
  return hash('sha256', node, 'binary');
}

/**
 * The Merkle tree hash of RFC 6962 (section 2.1) over leaf hashes added one by one, in O(log n)
 * memory: full subtrees are kept as a stack of (size, hash) and joined as soon as two are equal;
 * the root folds what is left from the right, which splits at the largest power of two as the RFC does.
 */
export class MerkleTree {
  private readonly sizes: number[] = [];
  private readonly hashes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a leaf hash, as a Buffer or as a latin1 string of 32 characters. */
  add(leafHash: Buffer | string): void {
    let size = 1;
    let current = typeof leafHash === 'string' ? leafHash : leafHash.toString('latin1');
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      current = innerHash(this.hashes.pop() as string, current);
      size *= 2;
    }
    this.sizes.push(size);
    this.hashes.push(current);
    this.count += 1;
  }

  /** The root; the empty tree's is SHA-256 of nothing, as the RFC defines it. */
  root(): Buffer {
    if (this.hashes.length === 0) return hash('sha256', Buffer.alloc(0), 'buffer');
    let root = this.hashes[this.hashes.length - 1] as string;
    for (let i = this.hashes.length - 2; i >= 0; i--) root = innerHash(this.hashes[i] as string, root);
    return Buffer.from(root, 'latin1');
  }
}
