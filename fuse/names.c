/*
 * names.c - table name <-> file name (see names.h for the rules).
 *
 * The escaping is a bijection between byte strings and canonical escaped
 * strings: escape() marks exactly the bytes of esc_needed(); unescape()
 * refuses an escape of a byte escape() would have written as it is, and
 * lowercase hex, so every file name has at most one table and every table
 * exactly one file name.
 */
#include "names.h"
#include "jet_common.h"

static const char *const reserved_names[] = {".schema", ".sessions", ".backup", ".system"};

/* Must byte c at position i be written %XX? */
static bool esc_needed(unsigned char c, size_t i)
{
	return c == '/' || c == '%' || c < 0x20 || c == 0x7F || (i == 0 && c == '.');
}

static int hexval_upper(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

JET_ERR name_escape(const char *in, size_t len, char *out, size_t cbOut)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)in;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (esc_needed(p[i], i)) {
			if (n + 3 >= cbOut)
				return JET_errBufferTooSmall;
			out[n++] = '%';
			out[n++] = hex[p[i] >> 4];
			out[n++] = hex[p[i] & 15];
		} else {
			if (n + 1 >= cbOut)
				return JET_errBufferTooSmall;
			out[n++] = (char)p[i];
		}
	}
	if (n >= cbOut)
		return JET_errBufferTooSmall;
	out[n] = 0;
	return JET_errSuccess;
}

JET_ERR name_unescape(const char *in, size_t len, char *out, size_t cbOut, size_t *plen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned char c = p[i];
		if (c == '%') {
			int hi, lo;
			if (len - i < 3)
				return JET_errInvalidName;
			hi = hexval_upper(p[i + 1]);
			lo = hexval_upper(p[i + 2]);
			if (hi < 0 || lo < 0)
				return JET_errInvalidName;
			c = (unsigned char)(hi << 4 | lo);
			if (!esc_needed(c, n))
				return JET_errInvalidName; /* not canonical */
			i += 3;
		} else {
			if (esc_needed(c, n))
				return JET_errInvalidName; /* must have been escaped */
			i++;
		}
		/* keep checking the escapes past the end of out, so a malformed
		 * name is InvalidName whatever its length */
		if (n + 1 < cbOut)
			out[n] = (char)c;
		n++;
	}
	if (n >= cbOut)
		return NAME_errTooLong;
	out[n] = 0;
	*plen = n;
	return JET_errSuccess;
}

JET_ERR name_check_table(const char *table, size_t len)
{
	const unsigned char *p = (const unsigned char *)table;
	size_t i;

	if (len == 0 || p[0] == ' ')
		return JET_errInvalidName;
	if (len > JET_cbNameMost)
		return NAME_errTooLong;
	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7F || p[i] == '!' || p[i] == '.' || p[i] == '[' ||
		    p[i] == ']')
			return JET_errInvalidName;
	return JET_errSuccess;
}

bool name_is_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i], n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, cp = c & 0x1F, min = 0x80;
		else if ((c & 0xF0) == 0xE0)
			n = 2, cp = c & 0x0F, min = 0x800;
		else if ((c & 0xF8) == 0xF0)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (len - i <= n)
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

static JET_ERR to_file(const char *table, char *out, size_t cbOut, bool suffix)
{
	size_t len, n;

	if (!table || !out)
		return JET_errInvalidParameter;
	len = strlen(table);
	if (len == 0)
		return JET_errInvalidName;
	if (len > JET_cbNameMost)
		return NAME_errTooLong;
	CallR(name_escape(table, len, out, cbOut));
	if (suffix) {
		n = strlen(out);
		if (n + sizeof(NAME_TABLE_SUFFIX) > cbOut)
			return JET_errBufferTooSmall;
		memcpy(out + n, NAME_TABLE_SUFFIX, sizeof(NAME_TABLE_SUFFIX));
	}
	return JET_errSuccess;
}

JET_ERR name_table_to_file(const char *table, char *out, size_t cbOut)
{
	return to_file(table, out, cbOut, true);
}

JET_ERR name_table_to_schema(const char *table, char *out, size_t cbOut)
{
	return to_file(table, out, cbOut, false);
}

static JET_ERR to_table(const char *file, size_t len, char *table)
{
	char buf[JET_cbNameMost + 2];
	size_t n;
	JET_ERR err;

	if (len == 0 || (len == 1 && file[0] == '.') ||
	    (len == 2 && file[0] == '.' && file[1] == '.'))
		return JET_errInvalidName;
	if (file[0] == '.')
		return NAME_errNotTableFile; /* hidden: never a table (scratch) */
	/* unescape into a buffer one byte longer than a name, to tell "too
	 * long" from the rest */
	err = name_unescape(file, len, buf, sizeof(buf), &n);
	if (err < 0)
		return err;
	CallR(name_check_table(buf, n));
	memcpy(table, buf, n + 1);
	return JET_errSuccess;
}

JET_ERR name_file_to_table(const char *file, char *table)
{
	size_t len, sl = sizeof(NAME_TABLE_SUFFIX) - 1;

	if (!file || !table)
		return JET_errInvalidParameter;
	len = strlen(file);
	if (len == 0 || strcmp(file, ".") == 0 || strcmp(file, "..") == 0 || strchr(file, '/'))
		return JET_errInvalidName;
	if (file[0] == '.')
		return NAME_errNotTableFile; /* hidden (".csv" too): scratch */
	if (len < sl || memcmp(file + len - sl, NAME_TABLE_SUFFIX, sl) != 0)
		return NAME_errNotTableFile;
	return to_table(file, len - sl, table);
}

JET_ERR name_schema_to_table(const char *file, char *table)
{
	if (!file || !table)
		return JET_errInvalidParameter;
	if (strchr(file, '/'))
		return JET_errInvalidName;
	return to_table(file, strlen(file), table);
}

bool name_is_reserved(const char *file)
{
	size_t i;

	if (!file)
		return false;
	for (i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++)
		if (strcmp(file, reserved_names[i]) == 0)
			return true;
	return false;
}
