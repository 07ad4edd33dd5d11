#!/usr/bin/env python3
"""Shortens the embed client's import and export names, in the wasm and in its wasm-bindgen glue
together.

wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` under the module
`./tessera_embed_bg.js`, and exports its runtime as `__wbindgen_malloc`,
`wasm_bindgen_<hash>___convert__closures_____invoke___…` and so on; each name is written in both
files, and the hex digits do not compress. This renames the module to `a`, every import to a short
base-36 name and every export but `memory` to `$` and a base-36 number, in both files, and drops
the exports the glue never uses (wasm-bindgen's abort-handler globals, unused with panics that
abort), so that wasm-opt, run afterwards, removes what only they kept. It refuses (exit 1, files
untouched) unless every import is found exactly once as a key of the glue's import object.

Usage: shorten-embed-imports.py WASM JS   (both rewritten in place)
"""

import re
import sys

MODULE = "./tessera_embed_bg.js"


def read_leb(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def short_name(index):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    name = ""
    while True:
        name = digits[index % 36] + name
        index //= 36
        if index == 0:
            return "_" + name


def skip_descriptor(body, at, kind):
    if kind == 0:  # function: type index
        _, at = read_leb(body, at)
    elif kind == 1:  # table: reftype, limits
        at += 1
        flags = body[at]
        at += 1
        _, at = read_leb(body, at)
        if flags & 1:
            _, at = read_leb(body, at)
    elif kind == 2:  # memory: limits
        flags = body[at]
        at += 1
        _, at = read_leb(body, at)
        if flags & 1:
            _, at = read_leb(body, at)
    elif kind == 3:  # global: valtype, mutability
        at += 2
    else:
        raise ValueError(f"unknown import kind {kind}")
    return at


def rewrite_section(wasm, section_id, rewrite):
    """The wasm with the body of each section `section_id` replaced by `rewrite(body)`."""
    if wasm[:4] != b"\0asm":
        raise ValueError("not a wasm module")
    out = bytearray(wasm[:8])
    at = 8
    while at < len(wasm):
        section = wasm[at]
        size, start = read_leb(wasm, at + 1)
        body = wasm[start : start + size]
        at = start + size
        if section == section_id:
            body = rewrite(body)
        out.append(section)
        out += leb(len(body)) + body
    return bytes(out)


def rename_imports(wasm):
    """The wasm with its imports renamed, and the old → new field names."""
    renames = {}

    def rewrite(body):
        count, k = read_leb(body, 0)
        rebuilt = bytearray(leb(count))
        for _ in range(count):
            length, k = read_leb(body, k)
            module = body[k : k + length].decode()
            k += length
            length, k = read_leb(body, k)
            field = body[k : k + length].decode()
            k += length
            kind = body[k]
            descriptor_start = k + 1
            k = skip_descriptor(body, descriptor_start, kind)
            if module == MODULE:
                new = renames.setdefault(field, short_name(len(renames)))
                module_out, field_out = "a", new
            else:
                module_out, field_out = module, field
            for text in (module_out, field_out):
                encoded = text.encode()
                rebuilt += leb(len(encoded)) + encoded
            rebuilt += bytes([kind]) + body[descriptor_start:k]
        return bytes(rebuilt)

    return rewrite_section(wasm, 2, rewrite), renames


def public_names(js):
    """What the glue exports to partners' pages (`export function f`, `export class C`,
    `export { a as b }`): renaming the wasm's exports must leave these alone."""
    names = set(re.findall(r"\bexport\s+(?:async\s+)?(?:function|class|const|let)\s+([\w$]+)", js))
    for group in re.findall(r"\bexport\s*\{([^}]*)\}", js):
        names.update(part.strip() for part in group.split(","))
    return names


def rename_exports(wasm, js):
    """The wasm and its glue with the exports renamed (or dropped when the glue does not use
    them)."""
    glue = [js]

    def rewrite(body):
        count, k = read_leb(body, 0)
        kept = []
        for _ in range(count):
            length, k = read_leb(body, k)
            name = body[k : k + length].decode()
            k += length
            descriptor_start = k
            k += 1
            _, k = read_leb(body, k)
            descriptor = body[descriptor_start:k]
            if name == "memory":
                kept.append((name, descriptor))
                continue
            # Every use in the glue: `wasm.<name>`, and the closure adapters' JS functions of
            # the same name.
            pattern = re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")
            if not pattern.search(glue[0]):
                continue
            new = "$" + short_name(len(kept))[1:]
            glue[0] = pattern.sub(lambda _: new, glue[0])
            kept.append((new, descriptor))
        rebuilt = bytearray(leb(len(kept)))
        for name, descriptor in kept:
            encoded = name.encode()
            rebuilt += leb(len(encoded)) + encoded + descriptor
        return bytes(rebuilt)

    wasm = rewrite_section(wasm, 7, rewrite)
    return wasm, glue[0]


def main():
    wasm_path, js_path = sys.argv[1], sys.argv[2]
    wasm = open(wasm_path, "rb").read()
    js = open(js_path, encoding="utf-8").read()
    new_wasm, renames = rename_imports(wasm)
    if not renames:
        sys.exit("shorten-embed-imports: the wasm imports nothing from " + MODULE)
    for old, new in renames.items():
        pattern = re.compile(r"(?m)^(\s+)" + re.escape(old) + r"(: function\b)")
        js, found = pattern.subn(lambda m: m.group(1) + new + m.group(2), js)
        if found != 1:
            sys.exit(f"shorten-embed-imports: the glue defines {old} {found} times, not once")
    quoted = f'"{MODULE}": import0'
    if js.count(quoted) != 1:
        sys.exit("shorten-embed-imports: the glue's import object is not where it was")
    js = js.replace(quoted, '"a": import0')
    public = public_names(js)
    new_wasm, js = rename_exports(new_wasm, js)
    if public_names(js) != public:
        sys.exit("shorten-embed-imports: renaming the wasm's exports changed the glue's own exports")
    open(wasm_path, "wb").write(new_wasm)
    open(js_path, "w", encoding="utf-8").write(js)
    print(f"shortened {len(renames)} import names and the export names")


if __name__ == "__main__":
    main()
