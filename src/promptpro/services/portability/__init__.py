"""Export and import of a workspace's library: our own format and other tools' formats.

`export.py` reads the library a page at a time; `promptpro_format.py` writes and reads our
own versioned JSON document (streamed both ways); `formats/` converts to and from other
tools' files; `import_.py` applies a parsed library to a workspace under a conflict
policy, and reports what it did; `files.py` reads uploads and zips within bounds.
"""
