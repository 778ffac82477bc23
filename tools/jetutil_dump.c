/*
 * jetutil_dump.c - `jetutil dump header|space|catalog|log|page N DATABASE`:
 * what the file and its log hold, for people (default) and programs
 * (--json). Everything is read from the last checkpoint; nothing is
 * recovered or written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btree.h"
#include "engine_int.h"
#include "jetutil.h"
#include "log.h"
#include "logrec.h"
#include "space.h"

static void dump_usage(FILE *f)
{
	fprintf(f, "usage: jetutil dump [--json] header|space|catalog|log DATABASE\n"
		   "       jetutil dump [--json] page N DATABASE\n"
		   "header   the header fields (the newer valid copy)\n"
		   "space    the persisted free list: extents and counts\n"
		   "catalog  tables, columns and indexes (MSysObjects) with their trees' roots\n"
		   "log      the records of DATABASE.jetlog/: LSN, type, decoded fields\n"
		   "page N   page N: common header, B+tree header, entries (checksum not required)\n");
}

static void sig_hex(char *out, const uint8_t *sig)
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", sig[i]);
}

static int dump_header(ju_db *d, const char *path, int json)
{
	const db_header *h = &d->hdr;
	char sig[33];
	sig_hex(sig, h->signature);
	if (json) {
		printf("{\"database\":");
		ju_json_str(stdout, path);
		printf(",\"format_version\":%u,\"page_size\":%u,\"seq\":%llu,\"state\":\"%s\","
		       "\"signature\":\"%s\",\"create_time\":%llu,\"checkpoint_version\":%llu,"
		       "\"checkpoint_lsn\":%llu,\"dir_root\":%u,\"freelist_head\":%u,"
		       "\"page_count\":%u,\"file_pages\":%u,\"next_objid\":%u,\"next_stamp\":%llu,"
		       "\"checkpoint_time\":%llu,\"last_commit_time_ns\":%llu}\n",
		       h->format_version, h->page_size, (unsigned long long)h->seq,
		       ju_state_name(h->state), sig, (unsigned long long)h->create_time,
		       (unsigned long long)h->ckpt_version, (unsigned long long)h->ckpt_lsn,
		       h->dir_root, h->freelist_head, h->page_count, d->file_pages, h->next_objid,
		       (unsigned long long)h->next_stamp, (unsigned long long)h->ckpt_time,
		       (unsigned long long)h->last_commit_time);
		return JU_OK;
	}
	printf("database:           %s\n", path);
	printf("format version:     %u\n", h->format_version);
	printf("page size:          %u\n", h->page_size);
	printf("header seq:         %llu (copy %d)\n", (unsigned long long)h->seq, (int)(h->seq & 1));
	printf("state:              %s\n", ju_state_name(h->state));
	printf("signature:          %s\n", sig);
	printf("created:            %llu\n", (unsigned long long)h->create_time);
	printf("checkpoint version: %llu\n", (unsigned long long)h->ckpt_version);
	printf("checkpoint lsn:     %u:%u\n", LSN_GEN(h->ckpt_lsn), LSN_OFF(h->ckpt_lsn));
	printf("checkpoint time:    %llu\n", (unsigned long long)h->ckpt_time);
	printf("last commit (ns):   %llu\n", (unsigned long long)h->last_commit_time);
	printf("directory root:     %u\n", h->dir_root);
	printf("free list head:     %u\n", h->freelist_head);
	printf("page count:         %u (file: %u)\n", h->page_count, d->file_pages);
	printf("next objid:         %u\n", h->next_objid);
	printf("next stamp:         %llu\n", (unsigned long long)h->next_stamp);
	return JU_OK;
}

typedef struct space_ctx {
	int json;
	uint64_t extents, pages;
} space_ctx;

static JET_ERR space_fn(void *ctx, uint32_t first, uint32_t count)
{
	space_ctx *s = ctx;
	if (s->json)
		printf("%s[%u,%u]", s->extents ? "," : "", first, count);
	else
		printf("%u-%u (%u)\n", first, first + count - 1, count);
	s->extents++;
	s->pages += count;
	return JET_errSuccess;
}

static int dump_space(ju_db *d, int json)
{
	space_ctx s = {json, 0, 0};
	uint32_t list_pages = 0;
	for (uint32_t pg = d->hdr.freelist_head; pg && list_pages <= d->file_pages; list_pages++) {
		jbuf *b;
		JET_ERR err = jcache_get(d->cache, pg, &b);
		if (err < 0) {
			ju_jet_err(err, "free list page %u", pg);
			return JU_ERROR;
		}
		pg = get_le32(b->data + PAGE_HEADER_SIZE);
		jcache_release(d->cache, b);
	}
	if (json)
		printf("{\"freelist_head\":%u,\"extents\":[", d->hdr.freelist_head);
	else
		printf("free extents (first-last (pages)):\n");
	JET_ERR err = JET_errSuccess;
	if (d->hdr.freelist_head)
		err = space_read_list(d->cache, d->hdr.freelist_head, space_fn, &s);
	if (json)
		printf("],\"free_extents\":%llu,\"free_pages\":%llu,\"freelist_pages\":%u,"
		       "\"page_count\":%u,\"file_pages\":%u,\"used_pages\":%llu}\n",
		       (unsigned long long)s.extents, (unsigned long long)s.pages, list_pages,
		       d->hdr.page_count, d->file_pages,
		       (unsigned long long)(d->hdr.page_count - DB_FIRST_DATA_PAGE - s.pages -
					    list_pages));
	else
		printf("free extents: %llu\nfree pages: %llu\nfree-list pages: %u\n"
		       "pages covered: %u (file: %u)\nin use: %llu\n",
		       (unsigned long long)s.extents, (unsigned long long)s.pages, list_pages,
		       d->hdr.page_count, d->file_pages,
		       (unsigned long long)(d->hdr.page_count - DB_FIRST_DATA_PAGE - s.pages -
					    list_pages));
	if (err < 0) {
		ju_jet_err(err, "free list");
		return JU_ERROR;
	}
	return JU_OK;
}

static const char *cat_type_name(uint16_t t)
{
	switch (t) {
	case 1: return "table";
	case 2: return "column";
	case 3: return "index";
	case 4: return "lv";
	default: return "?";
	}
}

static const char *col_name_of(const ju_catrow *rows, size_t n, uint32_t table, uint32_t colid)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].type == 2 && rows[i].objid_table == table && rows[i].id == colid)
			return rows[i].name;
	return "?";
}

static void print_key(const ju_catrow *rows, size_t n, const ju_catrow *ix, int json)
{
	for (uint32_t k = 0; k + 5 <= ix->cbkeyflds; k += 5) {
		uint32_t colid = get_le32(ix->keyflds + k);
		bool desc = ix->keyflds[k + 4] & 1;
		if (json) {
			char seg[JET_cbNameMost + 2];
			snprintf(seg, sizeof(seg), "%c%s", desc ? '-' : '+',
				 col_name_of(rows, n, ix->objid_table, colid));
			printf("%s", k ? "," : "");
			ju_json_str(stdout, seg);
		} else {
			printf("%s%c%s", k ? " " : "", desc ? '-' : '+',
			       col_name_of(rows, n, ix->objid_table, colid));
		}
	}
}

static int dump_catalog(ju_db *d, int json)
{
	uint32_t catroot = 0;
	ju_catrow *rows = NULL;
	size_t n = 0;
	JET_ERR err = ju_dir_root(d, d->hdr.dir_root, OBJID_CATALOG, &catroot);
	if (err >= 0 && !catroot)
		err = JET_errObjectNotFound;
	if (err >= 0)
		err = ju_catalog_read(d, catroot, &rows, &n);
	if (err < 0) {
		ju_jet_err(err, "catalog");
		return JU_ERROR;
	}
	if (json)
		printf("{\"catalog_root\":%u,\"tables\":[", catroot);
	int nt = 0;
	for (size_t t = 0; t < n; t++) {
		if (rows[t].type != 1)
			continue;
		const ju_catrow *tb = &rows[t];
		uint32_t root = 0;
		ju_dir_root(d, d->hdr.dir_root, tb->id, &root);
		if (json) {
			printf("%s{\"name\":", nt++ ? "," : "");
			ju_json_str(stdout, tb->name);
			printf(",\"objid\":%u,\"root\":%u,\"flags\":%u,\"columns\":[", tb->id, root,
			       tb->flags);
		} else {
			printf("table %s objid %u root %u\n", tb->name, tb->id, root);
		}
		int nc = 0;
		for (size_t i = 0; i < n; i++) {
			const ju_catrow *r = &rows[i];
			if (r->objid_table != tb->id || r->type != 2)
				continue;
			if (json) {
				printf("%s{\"name\":", nc++ ? "," : "");
				ju_json_str(stdout, r->name);
				printf(",\"id\":%u,\"type\":\"%s\",\"cbmax\":%u,\"flags\":%u,"
				       "\"codepage\":%u}",
				       r->id, ju_coltyp_name(r->coltyp), r->cbmax, r->flags, r->codepage);
			} else {
				printf("  column %s id %u type %s cbmax %u flags 0x%x cp %u\n", r->name,
				       r->id, ju_coltyp_name(r->coltyp), r->cbmax, r->flags, r->codepage);
			}
		}
		if (json)
			printf("],\"indexes\":[");
		int ni = 0;
		for (size_t i = 0; i < n; i++) {
			const ju_catrow *r = &rows[i];
			if (r->objid_table != tb->id || (r->type != 3 && r->type != 4))
				continue;
			uint32_t iroot = 0;
			ju_dir_root(d, d->hdr.dir_root, r->id, &iroot);
			if (json) {
				printf("%s{\"name\":", ni++ ? "," : "");
				ju_json_str(stdout, r->name);
				printf(",\"kind\":\"%s\",\"objid\":%u,\"root\":%u,\"flags\":%u,\"key\":[",
				       cat_type_name(r->type), r->id, iroot, r->flags);
				print_key(rows, n, r, 1);
				printf("]}");
			} else {
				printf("  %s %s objid %u root %u flags 0x%x key ", cat_type_name(r->type),
				       r->name, r->id, iroot, r->flags);
				print_key(rows, n, r, 0);
				printf("\n");
			}
		}
		if (json)
			printf("]}");
	}
	if (json)
		printf("]}\n");
	free(rows);
	return JU_OK;
}

/* ---- log ---- */

static int read_log_signature(const char *logdir, uint8_t sig[16], uint32_t *pfirst,
			      uint32_t *plast)
{
	jlog_params p;
	memset(&p, 0, sizeof(p));
	p.vfs = os_vfs_posix();
	p.dir = logdir;
	p.base = "edb";
	p.file_size = 1 << 20;
	JET_ERR err = jlog_generations(&p, pfirst, plast);
	if (err < 0)
		return err;
	if (*pfirst == 0)
		return JET_errMissingLogFile;
	char name[1200];
	jlog_file_name(&p, *pfirst, name, sizeof(name));
	uint8_t hdr[LOG_FILE_HEADER_SIZE];
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return JET_errFileNotFound;
	ssize_t r = pread(fd, hdr, sizeof(hdr), 0);
	off_t size = lseek(fd, 0, SEEK_END);
	close(fd);
	if (r != (ssize_t)sizeof(hdr) || memcmp(hdr, "JETLOG01", 8) != 0)
		return JET_errLogFileCorrupt;
	memcpy(sig, hdr + 12, 16);
	return size > 0 ? (int)JET_errSuccess : (int)JET_errLogFileCorrupt;
}

static void print_logrec(const jlog_record *rec, const logrec *lr, int json, bool first)
{
	const char *name = logrec_name(rec->type);
	if (json) {
		printf("%s{\"lsn\":\"%u:%u\",\"type\":\"%s\"", first ? "" : ",", LSN_GEN(rec->lsn),
		       LSN_OFF(rec->lsn), name ? name : "?");
	} else {
		printf("%08x:%08x %-8s", LSN_GEN(rec->lsn), LSN_OFF(rec->lsn), name ? name : "?");
	}
	switch (rec->type) {
	case LOGREC_PUT:
	case LOGREC_DEL:
		if (json) {
			printf(",\"slot\":%u,\"objid\":%u,\"key\":\"", lr->slot, lr->objid);
			ju_json_hex(stdout, lr->key, lr->cbKey);
			printf("\"");
			if (rec->type == LOGREC_PUT)
				printf(",\"value_bytes\":%u", lr->cbVal);
		} else {
			printf(" slot %u objid %u key ", lr->slot, lr->objid);
			ju_print_bytes(stdout, lr->key, lr->cbKey, 48);
			if (rec->type == LOGREC_PUT)
				printf(" value %u bytes", lr->cbVal);
		}
		break;
	case LOGREC_CREATE:
	case LOGREC_DROP:
		printf(json ? ",\"slot\":%u,\"objid\":%u" : " slot %u objid %u", lr->slot, lr->objid);
		break;
	case LOGREC_COMMIT:
		if (json) {
			printf(",\"time_ns\":%llu,\"dbs\":[", (unsigned long long)lr->time_ns);
			for (int i = 0; i < lr->ndbs; i++)
				printf("%s{\"slot\":%u,\"version\":%llu}", i ? "," : "", lr->dbs[i].slot,
				       (unsigned long long)lr->dbs[i].version);
			printf("]");
		} else {
			printf(" time %llu", (unsigned long long)lr->time_ns);
			for (int i = 0; i < lr->ndbs; i++)
				printf(" slot %u version %llu", lr->dbs[i].slot,
				       (unsigned long long)lr->dbs[i].version);
		}
		break;
	case LOGREC_TREEINFO:
		printf(json ? ",\"slot\":%u,\"objid\":%u,\"counters\":[%lld,%lld],\"changed_ns\":%llu,"
			      "\"modifications\":%llu"
			    : " slot %u objid %u counters %lld %lld changed %llu mods %llu",
		       lr->slot, lr->objid, (long long)lr->counter[0], (long long)lr->counter[1],
		       (unsigned long long)lr->changed_ns, (unsigned long long)lr->modifications);
		break;
	default:
		break;
	}
	printf(json ? "}" : "\n");
}

static int dump_log(const char *db, int json)
{
	char logdir[1100];
	uint8_t sig[16] = {0};
	uint32_t first = 0, last = 0;
	ju_log_dir(db, logdir, sizeof(logdir));
	int err = read_log_signature(logdir, sig, &first, &last);
	if (err < 0) {
		ju_jet_err(err, "%s: no readable log", logdir);
		return JU_ERROR;
	}
	jlog_params p;
	memset(&p, 0, sizeof(p));
	p.vfs = os_vfs_posix();
	p.dir = logdir;
	p.base = "edb";
	memcpy(p.signature, sig, 16);
	/* The file size: from the first generation's length. */
	char name[1200];
	jlog_file_name(&p, first, name, sizeof(name));
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : 0;
	if (fd >= 0)
		close(fd);
	p.file_size = (uint32_t)size;
	jlog_reader *r = NULL;
	uint64_t n = 0;
	if (json)
		printf("{\"log_dir\":");
	if (json) {
		ju_json_str(stdout, logdir);
		printf(",\"first_generation\":%u,\"last_generation\":%u,\"records\":[", first, last);
	} else {
		printf("log %s: generations %u-%u\n", logdir, first, last);
	}
	JET_ERR jerr = jlog_reader_open(&p, LSN_MAKE(first, LOG_FILE_HEADER_SIZE), &r);
	jlog_record rec;
	while (jerr >= 0 && (jerr = jlog_reader_next(r, &rec)) >= 0) {
		logrec lr;
		memset(&lr, 0, sizeof(lr));
		if (logrec_decode(rec.type, rec.payload, rec.cb, &lr) < 0) {
			if (!json)
				printf("%08x:%08x malformed record type %u (%u bytes)\n", LSN_GEN(rec.lsn),
				       LSN_OFF(rec.lsn), rec.type, rec.cb);
			continue;
		}
		print_logrec(&rec, &lr, json, n == 0);
		n++;
	}
	jet_lsn end = r && jerr == JET_errNoCurrentRecord ? jlog_reader_end(r) : 0;
	if (r)
		jlog_reader_close(r);
	if (json)
		printf("],\"count\":%llu,\"end\":\"%u:%u\",\"ok\":%s}\n", (unsigned long long)n,
		       LSN_GEN(end), LSN_OFF(end), jerr == JET_errNoCurrentRecord ? "true" : "false");
	else
		printf("%llu records, end of log %08x:%08x\n", (unsigned long long)n, LSN_GEN(end),
		       LSN_OFF(end));
	if (jerr != JET_errNoCurrentRecord) {
		ju_jet_err(jerr, "reading the log");
		return JU_ERROR;
	}
	return JU_OK;
}

/* ---- page ---- */

static const char *page_type_name(uint8_t t)
{
	switch (t) {
	case PAGE_TYPE_FREE: return "none";
	case PAGE_TYPE_HEADER: return "header";
	case PAGE_TYPE_BTREE_LEAF: return "leaf";
	case PAGE_TYPE_BTREE_BRANCH: return "branch";
	case PAGE_TYPE_OVERFLOW: return "overflow";
	case PAGE_TYPE_FREELIST: return "freelist";
	default: return "unknown";
	}
}

static int dump_page(const char *path, ju_db *d, uint32_t pgno, int json)
{
	const uint32_t ps = d->page_size;
	if (pgno >= d->file_pages) {
		ju_err("page %u: past the end of the file (%u pages)", pgno, d->file_pages);
		return JU_ERROR;
	}
	uint8_t *p = malloc(ps);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!p || fd < 0 || pread(fd, p, ps, (off_t)pgno * ps) != (ssize_t)ps) {
		ju_err("%s: cannot read page %u", path, pgno);
		free(p);
		if (fd >= 0)
			close(fd);
		return JU_ERROR;
	}
	close(fd);
	bool sum = page_checksum_ok(p, pgno, ps);
	uint8_t type = p[PAGE_OFF_TYPE];
	if (json) {
		printf("{\"page\":%u,\"checksum_ok\":%s,\"offset\":%llu,\"pgno_field\":%u,\"stamp\":%llu,"
		       "\"objid\":%u,\"type\":\"%s\",\"level\":%u,\"flags\":%u",
		       pgno, sum ? "true" : "false", (unsigned long long)pgno * ps,
		       get_le32(p + PAGE_OFF_PGNO), (unsigned long long)get_le64(p + PAGE_OFF_STAMP),
		       get_le32(p + PAGE_OFF_OBJID), page_type_name(type), p[PAGE_OFF_LEVEL],
		       get_le16(p + PAGE_OFF_FLAGS));
	} else {
		printf("page %u (offset %llu): checksum %s\n", pgno, (unsigned long long)pgno * ps,
		       sum ? "ok" : "BAD");
		printf("pgno field %u, stamp %llu, objid %u, type %s (%u), level %u, flags 0x%x\n",
		       get_le32(p + PAGE_OFF_PGNO), (unsigned long long)get_le64(p + PAGE_OFF_STAMP),
		       get_le32(p + PAGE_OFF_OBJID), page_type_name(type), type, p[PAGE_OFF_LEVEL],
		       get_le16(p + PAGE_OFF_FLAGS));
	}
	const uint8_t *b = p + PAGE_HEADER_SIZE;
	if (type == PAGE_TYPE_BTREE_LEAF || type == PAGE_TYPE_BTREE_BRANCH) {
		uint16_t n = get_le16(b), lower = get_le16(b + 2), upper = get_le16(b + 4),
			 dead = get_le16(b + 6);
		if (json)
			printf(",\"entries\":%u,\"lower\":%u,\"upper\":%u,\"dead\":%u,\"cells\":[", n,
			       lower, upper, dead);
		else
			printf("b+tree: %u entries, lower %u, upper %u, dead %u\n", n, lower, upper, dead);
		for (uint32_t i = 0; i < n && PAGE_HEADER_SIZE + 8 + 2 * i + 2 <= ps; i++) {
			uint32_t off = get_le16(b + 8 + 2 * i);
			if (off + 6 > ps) {
				printf(json ? "%s{\"slot\":%u,\"bad_offset\":%u}" : "%s[%u] bad offset %u\n",
				       json && i ? "," : "", i, off);
				continue;
			}
			const uint8_t *cell = p + off;
			if (type == PAGE_TYPE_BTREE_BRANCH) {
				uint32_t child = get_le32(cell);
				uint16_t cbk = get_le16(cell + 4);
				if (off + 6 + cbk > ps)
					cbk = (uint16_t)(ps - off - 6);
				if (json) {
					printf("%s{\"slot\":%u,\"offset\":%u,\"child\":%u,\"key\":\"", i ? "," : "",
					       i, off, child);
					ju_json_hex(stdout, cell + 6, cbk);
					printf("\"}");
				} else {
					printf("[%u] @%u child %u key ", i, off, child);
					ju_print_bytes(stdout, cell + 6, cbk, 64);
					printf("\n");
				}
			} else {
				uint16_t cbk = get_le16(cell), vi = get_le16(cell + 2);
				if (off + 4 + cbk > ps)
					cbk = (uint16_t)(ps - off - 4);
				bool ool = vi & 0x8000;
				uint32_t cbv = ool ? 8 : vi;
				const uint8_t *v = cell + 4 + cbk;
				if (json) {
					printf("%s{\"slot\":%u,\"offset\":%u,\"key\":\"", i ? "," : "", i, off);
					ju_json_hex(stdout, cell + 4, cbk);
					if (ool && off + 4 + cbk + 8 <= ps)
						printf("\",\"value_bytes\":%u,\"overflow_page\":%u}", get_le32(v),
						       get_le32(v + 4));
					else
						printf("\",\"value_bytes\":%u}", cbv);
				} else {
					printf("[%u] @%u key ", i, off);
					ju_print_bytes(stdout, cell + 4, cbk, 64);
					if (ool && off + 4 + cbk + 8 <= ps)
						printf(" value %u bytes out of line at page %u\n", get_le32(v),
						       get_le32(v + 4));
					else
						printf(" value %u bytes\n", cbv);
				}
			}
		}
		if (json)
			printf("]");
	} else if (type == PAGE_TYPE_FREELIST) {
		uint32_t next = get_le32(b), count = get_le32(b + 4);
		if (json)
			printf(",\"next\":%u,\"extents\":[", next);
		else
			printf("free list: next %u, %u extents\n", next, count);
		for (uint32_t k = 0; k < count && PAGE_HEADER_SIZE + 8 + 8 * k + 8 <= ps; k++) {
			uint32_t f = get_le32(b + 8 + 8 * k), c = get_le32(b + 12 + 8 * k);
			printf(json ? "%s[%u,%u]" : "%s%u+%u\n", json && k ? "," : "", f, c);
		}
		if (json)
			printf("]");
	} else if (type == PAGE_TYPE_OVERFLOW) {
		printf(json ? ",\"next\":%u,\"bytes\":%u" : "overflow: next %u, %u bytes\n",
		       get_le32(b), get_le32(b + 4));
	}
	if (json)
		printf("}\n");
	free(p);
	return JU_OK;
}

int ju_cmd_dump(int argc, char **argv)
{
	int json = 0, rc;
	const char *what = NULL, *db = NULL, *num = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			dump_usage(stdout);
			return JU_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			dump_usage(stderr);
			return JU_USAGE;
		} else if (!what) {
			what = argv[i];
		} else if (!strcmp(what, "page") && !num) {
			num = argv[i];
		} else if (!db) {
			db = argv[i];
		} else {
			dump_usage(stderr);
			return JU_USAGE;
		}
	}
	if (!what || !db ||
	    (strcmp(what, "header") && strcmp(what, "space") && strcmp(what, "catalog") &&
	     strcmp(what, "log") && strcmp(what, "page"))) {
		dump_usage(stderr);
		return JU_USAGE;
	}
	if (!strcmp(what, "log"))
		return dump_log(db, json);
	char *end = NULL;
	unsigned long pgno = 0;
	if (num) {
		errno = 0;
		pgno = strtoul(num, &end, 10);
		if (errno || !*num || *end || pgno > UINT32_MAX) {
			dump_usage(stderr);
			return JU_USAGE;
		}
	}
	ju_db d;
	JET_ERR err = ju_db_open(db, 256, &d);
	if (err < 0) {
		ju_jet_err(err, "%s", db);
		return JU_ERROR;
	}
	if (!strcmp(what, "header"))
		rc = dump_header(&d, db, json);
	else if (!strcmp(what, "space"))
		rc = dump_space(&d, json);
	else if (!strcmp(what, "catalog"))
		rc = dump_catalog(&d, json);
	else
		rc = dump_page(db, &d, (uint32_t)pgno, json);
	ju_db_close(&d);
	return rc;
}
