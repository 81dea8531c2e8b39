import { QueueEntry, WaiterQueue } from './WaiterQueue';

interface Entry extends QueueEntry<Entry> {
  name: string;
}

const entry = (name: string): Entry => ({ name });
const drain = (queue: WaiterQueue<Entry>) => {
  const names: string[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) {
    names.push(next.name);
  }
  return names;
};

describe('WaiterQueue', () => {
  it('gives entries back in arrival order', () => {
    const queue = new WaiterQueue<Entry>();
    ['a', 'b', 'c'].forEach(name => queue.push(entry(name)));
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  it('lets an entry leave from the head, the middle or the tail, once', () => {
    const queue = new WaiterQueue<Entry>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry);
    [a, b, c, d].forEach(e => queue.push(e));
    queue.remove(b);
    queue.remove(b);
    queue.remove(a);
    queue.remove(d);
    expect(queue.size).toBe(1);
    queue.push(entry('e'));
    expect(drain(queue)).toEqual(['c', 'e']);
  });

  it('leaves an entry that was never queued, or already taken, alone', () => {
    const queue = new WaiterQueue<Entry>();
    const a = entry('a');
    queue.remove(a);
    queue.push(a);
    queue.push(entry('b'));
    queue.shift();
    queue.remove(a);
    expect(queue.size).toBe(1);
    expect(drain(queue)).toEqual(['b']);
  });

  it('takes out the entries a test accepts, in order, and keeps the rest linked', () => {
    const queue = new WaiterQueue<Entry>();
    ['a1', 'b1', 'a2', 'b2', 'a3'].forEach(name => queue.push(entry(name)));
    expect(queue.removeWhere(e => e.name.startsWith('a')).map(e => e.name)).toEqual(['a1', 'a2', 'a3']);
    expect(queue.size).toBe(2);
    queue.push(entry('c'));
    expect(drain(queue)).toEqual(['b1', 'b2', 'c']);
  });

  it('refuses an entry already queued', () => {
    const queue = new WaiterQueue<Entry>();
    const a = entry('a');
    queue.push(a);
    expect(() => queue.push(a)).toThrow('An entry is in a queue at most once');
    expect(drain(queue)).toEqual(['a']);
  });

  it('can be queued again after leaving', () => {
    const queue = new WaiterQueue<Entry>();
    const a = entry('a');
    queue.push(a);
    queue.push(entry('b'));
    queue.remove(a);
    queue.push(a);
    expect(drain(queue)).toEqual(['b', 'a']);
  });
});
