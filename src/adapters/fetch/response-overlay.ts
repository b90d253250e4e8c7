/**
 * A prototype put between a `Response` and its native one, made once per native prototype
 * (one per realm or Response class): how a watched response and a fallback response change
 * a few members without defining them on each response, which cost ~3 µs a response. The
 * response keeps its identity and `instanceof Response`; its own members stay untouched.
 *
 * @example
 * ```ts
 * const overlay = new ResponseOverlay(() => ({ text: { value: myText, configurable: true, writable: true } }));
 * const native = overlay.apply(response); // keep it: myText calls nativeMember(native, 'text', this)
 * ```
 */
export class ResponseOverlay {
  readonly #membersFor: (native: object) => PropertyDescriptorMap;
  readonly #prototypes = new WeakMap<object, object>();

  /** @param membersFor - The members to put over a native prototype (it may offer only those the native one has). */
  constructor(membersFor: (native: object) => PropertyDescriptorMap) {
    this.#membersFor = membersFor;
  }

  /** Puts the overlay over `response`'s prototype, and returns that native prototype. */
  apply(response: Response): object {
    const native = Object.getPrototypeOf(response) as object;
    let prototype = this.#prototypes.get(native);
    if (prototype === undefined) {
      prototype = Object.create(native, this.#membersFor(native)) as object;
      this.#prototypes.set(native, prototype);
    }
    Object.setPrototypeOf(response, prototype);
    return native;
  }
}

/**
 * The native member `name` (a method, or a getter's value) of the prototype the overlay went
 * over, read with the response as its receiver. The native prototype is kept per response,
 * not looked up on its chain: another overlay may have gone over this one since.
 */
export function nativeMember<T>(native: object, name: string, response: Response): T {
  return Reflect.get(native, name, response) as T;
}

/** A method member for {@link ResponseOverlay}: configurable and writable, as the native ones are. */
export function method(value: (...args: never[]) => unknown): PropertyDescriptor {
  return { configurable: true, writable: true, value };
}
