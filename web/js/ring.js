// A fixed-capacity ring: the newest `capacity` items, the oldest dropped.
// What the live parts of the screen keep, so that days of updates take no
// more memory than the first minutes.

export class Ring {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = new Array(capacity);
    this.start = 0;
    this.size = 0;
  }

  push(item) {
    const end = (this.start + this.size) % this.capacity;
    this.items[end] = item;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The i-th item from the newest (0 = newest). */
  fromNewest(i) {
    if (i >= this.size) return undefined;
    return this.items[(this.start + this.size - 1 - i) % this.capacity];
  }

  /** Drop items from the oldest end while drop(item) says so. */
  dropOldestWhile(drop) {
    while (this.size && drop(this.items[this.start])) {
      this.items[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
  }

  /** Oldest to newest, as a new array. */
  toArray() {
    const out = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.items[(this.start + i) % this.capacity];
    return out;
  }

  clear() {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
  }
}
