// The page cache of one file: address_space and its pages, filled from the file's contents.

import { PAGE_SIZE } from './constants.js';
import type { Page, PageAllocator } from './page.js';
import type { Inode } from './vfs.js';

/** struct address_space: the cached pages of one inode, by page index. */
export class AddressSpace {
  readonly pages = new Map<number, Page>();
  constructor(readonly host: Inode, private readonly allocator: PageAllocator) {}

  /** read_cache_page(): the cached page at index, read in from the file on a miss. */
  readPage(index: number): Page {
    let page = this.pages.get(index);
    if (page) return page;
    page = this.allocator.allocPage(); // the cache's own reference
    page.mapping = this;
    page.index = index;
    const from = index * PAGE_SIZE;
    if (from < this.host.data.length) {
      this.host.data.copy(page.data(), 0, from, Math.min(from + PAGE_SIZE, this.host.data.length));
    }
    this.pages.set(index, page);
    return page;
  }
}
