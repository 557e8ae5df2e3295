// struct page and the page allocator: frames live in large chunks, allocated lazily.

import { PAGE_SIZE } from './constants.js';
import { pfn, type Pfn } from './types.js';
import type { AddressSpace } from './pagecache.js';

// Frames live in chunks that double in size: the first holds 256 frames (1 MiB), so that a new
// kernel costs little (tests make thousands); each next one twice as many, up to 65536 frames
// (256 MiB), so that a large task needs few chunks. Every chunk is an ArrayBuffer, and V8 runs a
// full GC each time external memory grows by 64 MiB or so: few large chunks mean few GCs.
const FIRST_CHUNK_SHIFT = 8;
const DOUBLINGS = 8;
const MAX_CHUNK_FRAMES = 1 << (FIRST_CHUNK_SHIFT + DOUBLINGS);
/** Frames in the doubling chunks 0 .. DOUBLINGS-1. */
const DOUBLING_FRAMES = ((1 << DOUBLINGS) - 1) << FIRST_CHUNK_SHIFT;

/** The chunk that holds frame n. */
function chunkOf(n: number): number {
  if (n < DOUBLING_FRAMES) return 31 - Math.clz32((n >>> FIRST_CHUNK_SHIFT) + 1);
  return DOUBLINGS + Math.floor((n - DOUBLING_FRAMES) / MAX_CHUNK_FRAMES);
}

/** The first frame of chunk c. */
function chunkStart(c: number): number {
  return c < DOUBLINGS ? ((1 << c) - 1) << FIRST_CHUNK_SHIFT : DOUBLING_FRAMES + (c - DOUBLINGS) * MAX_CHUNK_FRAMES;
}

/** Frames in chunk c. */
function chunkFrames(c: number): number {
  return c < DOUBLINGS ? 1 << (FIRST_CHUNK_SHIFT + c) : MAX_CHUNK_FRAMES;
}

/** struct page: a frame with its reference count and, for page-cache pages, its mapping. */
export class Page {
  /** _count: references held by page tables, the page cache and get_page() callers. */
  count = 1;
  /** page->mapping: the file's address_space for a page-cache page, null for anonymous memory. */
  mapping: AddressSpace | null = null;
  /** page->index: the page's offset in its file, in pages. */
  index = 0;
  constructor(readonly pfn: Pfn, readonly allocator: PageAllocator) {}

  /** kmap(): the frame's bytes. */
  data(): Buffer {
    return this.allocator.frame(this.pfn);
  }
}

/** What a free of an already-free frame looks like: the kernel's "Bad page state". */
export interface BadPageReport {
  pfn: Pfn;
  what: string;
}

/** The buddy allocator, reduced to what the simulation needs: frames, refcounts, double-free detection. */
export class PageAllocator {
  private readonly chunks: Buffer[] = [];
  private readonly freeList: number[] = [];
  private readonly inUse: Uint8Array[] = [];
  private nextFresh = 0;
  allocated = 0;
  readonly badPages: BadPageReport[] = [];
  /** ZERO_PAGE(0): one shared, never-freed frame of zeros. */
  readonly zeroPage: Page;

  constructor() {
    this.zeroPage = this.allocPage();
    this.zeroPage.count = 1 << 30; // pinned forever, as the kernel's empty_zero_page
  }

  frame(n: Pfn): Buffer {
    const c = chunkOf(n);
    const off = (n - chunkStart(c)) * PAGE_SIZE;
    return this.chunks[c]!.subarray(off, off + PAGE_SIZE);
  }

  private takeFrame(): number {
    const reused = this.freeList.pop();
    if (reused !== undefined) {
      this.frame(pfn(reused)).fill(0);
      return reused;
    }
    const n = this.nextFresh++;
    const c = chunkOf(n);
    if (c === this.chunks.length) {
      this.chunks.push(Buffer.alloc(chunkFrames(c) * PAGE_SIZE)); // calloc: untouched frames cost no RSS
      this.inUse.push(new Uint8Array(chunkFrames(c)));
    }
    return n;
  }

  /** alloc_page(GFP_HIGHUSER): a zeroed frame with one reference. */
  allocPage(): Page {
    const n = this.takeFrame();
    const c = chunkOf(n);
    this.inUse[c]![n - chunkStart(c)] = 1;
    this.allocated++;
    return new Page(pfn(n), this);
  }

  /** __get_free_pages(GFP_KERNEL, 0): a kernel frame, known by its number only. */
  getFreePage(): Pfn {
    return this.allocPage().pfn;
  }

  isFree(n: Pfn): boolean {
    const c = chunkOf(n);
    return this.inUse[c]?.[n - chunkStart(c)] !== 1;
  }

  /** free_pages(): returns false, and records a bad page, when the frame is already free. */
  freePages(n: Pfn): boolean {
    if (this.isFree(n)) {
      this.badPages.push({ pfn: n, what: 'free_pages of a frame that is already free' });
      return false;
    }
    const c = chunkOf(n);
    this.inUse[c]![n - chunkStart(c)] = 0;
    this.freeList.push(n);
    this.allocated--;
    return true;
  }

  /** get_page() */
  getPage(page: Page): void {
    page.count++;
  }

  /** page_ref_add(): nr get_page() calls in one, for a run of ptes mapped at once. */
  getPages(page: Page, nr: number): void {
    page.count += nr;
  }

  /** put_page() / page_cache_release(): frees the frame with the last reference. */
  putPage(page: Page): void {
    if (page === this.zeroPage) return;
    if (page.count <= 0) {
      this.badPages.push({ pfn: page.pfn, what: 'put_page on a page with no references' });
      return;
    }
    if (--page.count === 0) this.freePages(page.pfn);
  }

  /** Bytes of frames handed out, for the debugger's memory figures. */
  get allocatedBytes(): number {
    return this.allocated * PAGE_SIZE;
  }
}
