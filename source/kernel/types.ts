// Branded numbers, so that an address is never mistaken for a page count or a frame number.

declare const vaddrBrand: unique symbol;
declare const pfnBrand: unique symbol;

/** A user virtual address (fits a JS number: the address space is 47 bits). */
export type Vaddr = number & { readonly [vaddrBrand]: true };
/** A physical frame number in the simulated page allocator. */
export type Pfn = number & { readonly [pfnBrand]: true };

export function vaddr(n: number): Vaddr {
  return n as Vaddr;
}

export function pfn(n: number): Pfn {
  return n as Pfn;
}

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
