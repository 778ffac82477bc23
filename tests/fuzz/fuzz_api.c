/*
 * fuzz_api.c - libFuzzer target: random programs of Jet* calls.
 *
 * The input is a program: each step is one opcode byte and the argument
 * bytes that op reads (fuzz_in: past the end every byte is 0). Handles are
 * drawn from the live ones, stale ones (ended sessions, closed cursors,
 * handles of a terminated instance) or plain numbers; grbits from the
 * valid ones, single bits or any 32 bits; lengths never exceed the buffers
 * passed (the API's contract), and output buffers are allocated at exactly
 * the size the call is told, so writing past it is an ASan finding.
 *
 * Per input: a fresh instance over the process's scratch folder (64 KiB
 * logs, circular), the program, then JetTerm. Ops include a restart
 * (JetTerm2 with a drawn grbit — abrupt or dirty leaves recovery to do —
 * then JetInit on a new instance, which must succeed).
 *
 * Properties: no crash, no hang, no leak (libFuzzer's leak check); every
 * return is a code jet.h defines; JetInit after any termination succeeds;
 * after the final JetTerm, a fresh instance recovers, attaches every
 * database the program created and eng_db_check passes on each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Declared in jet.h but not implemented by every build yet: called only
 * when linked in (a weak reference is NULL otherwise). */
#pragma weak JetComputeStats
#pragma weak JetDeleteColumnA
#pragma weak JetDeleteIndexA
#pragma weak JetDupCursor
#pragma weak JetEscrowUpdate
#pragma weak JetGetLock
#pragma weak JetGetRecordPosition
#pragma weak JetGetTableIndexInfoA
#pragma weak JetGotoPosition
#pragma weak JetRenameColumnA
#pragma weak JetRenameTableA
#define HAVE(fn) ((fn) != NULL)

#define NSESS 4
#define NTID 8
#define NDBID 4
#define NCOL 16
#define MAX_STEPS 400

typedef struct prog {
	fuzz_in in;
	JET_INSTANCE inst;
	bool running;
	JET_SESID sess[NSESS];
	JET_TABLEID tid[NTID];
	JET_DBID dbid[NDBID];
	JET_COLUMNID col[NCOL];
	uint32_t ncol;
	char sys[300];
	char db[2][300];
	unsigned generation; /* instances started for this input */
} prog;

#define CK(expr) fuzz_check_err((expr), #expr)

static const JET_GRBIT g_grbits[] = {
    0,
    JET_bitCommitLazyFlush,
    JET_bitWaitLastLevel0Commit,
    JET_bitRollbackAll,
    JET_bitDbReadOnly,
    JET_bitDbOverwriteExisting,
    JET_bitTableReadOnly,
    JET_bitTermAbrupt,
    JET_bitTermDirty,
    JET_bitSeekEQ,
    JET_bitSeekGE,
    JET_bitSeekLE,
    JET_bitSeekGT,
    JET_bitSeekLT,
    JET_bitNewKey,
    JET_bitRangeUpperLimit | JET_bitRangeInclusive,
    JET_bitRangeRemove,
    JET_bitSetAppendLV,
    JET_bitColumnTagged,
    JET_bitColumnFixed,
    JET_bitColumnMultiValued,
    JET_bitColumnEscrowUpdate,
    JET_bitColumnAutoincrement,
    JET_bitColumnNotNULL,
    JET_bitEscrowNoRollback,
};

static JET_GRBIT pick_grbit(prog *p)
{
	uint8_t b = fuzz_u8(&p->in);
	switch (b & 3) {
	case 0:
		return 0;
	case 1:
		return g_grbits[(b >> 2) % (sizeof(g_grbits) / sizeof(g_grbits[0]))];
	case 2:
		return 1u << ((b >> 2) & 31);
	default:
		return fuzz_u32(&p->in);
	}
}

static JET_SESID pick_sess(prog *p)
{
	uint8_t b = fuzz_u8(&p->in);
	if (b < 0xf0)
		return p->sess[b % NSESS];
	return b == 0xff ? (JET_SESID)fuzz_u32(&p->in) : (JET_SESID)(b - 0xf0);
}

static JET_TABLEID pick_tid(prog *p)
{
	uint8_t b = fuzz_u8(&p->in);
	if (b < 0xf0)
		return p->tid[b % NTID];
	return b == 0xff ? (JET_TABLEID)fuzz_u32(&p->in) : (JET_TABLEID)(b - 0xf0);
}

static JET_DBID pick_dbid(prog *p)
{
	uint8_t b = fuzz_u8(&p->in);
	if (b < 0xf0)
		return p->dbid[b % NDBID];
	return (JET_DBID)(b == 0xff ? fuzz_u32(&p->in) : (uint32_t)(b - 0xf0));
}

static JET_COLUMNID pick_col(prog *p)
{
	uint8_t b = fuzz_u8(&p->in);
	if (b < 0xe0)
		return p->col[b % NCOL];
	return b == 0xff ? fuzz_u32(&p->in) : (JET_COLUMNID)(b - 0xe0) + 1;
}

static const char *pick_path(prog *p)
{
	uint8_t b = fuzz_u8(&p->in);
	return (b & 7) == 7 ? "" : p->db[b & 1];
}

/* A name: one of a few, or up to 80 bytes of the input (NUL-terminated). */
static const char *pick_name(prog *p, char *buf, size_t cb)
{
	static const char *const names[] = {"t0", "t1", "T0", "c0", "c1", "c2", "ix0", "ix1",
					    "MSysObjects", "", "a.b", "x/y"};
	uint8_t b = fuzz_u8(&p->in);
	if (b < 0xc0)
		return names[b % (sizeof(names) / sizeof(names[0]))];
	size_t n = fuzz_bytes(&p->in, buf, JET_MIN(cb - 1, (size_t)80));
	buf[n] = '\0';
	return buf;
}

static void store(uint8_t slot, JET_API_PTR *arr, size_t n, JET_API_PTR v)
{
	arr[slot % n] = v;
}

/* Starts instance number p->generation over p->sys; must succeed. */
static void inst_start(prog *p)
{
	char name[64];
	snprintf(name, sizeof(name), "fz%u", p->generation++);
	p->inst = 0;
	JET_ERR err = JetCreateInstance(&p->inst, name);
	if (err < 0)
		FUZZ_FAIL("JetCreateInstance: %ld", (long)err);
	err = JetSetSystemParameter(&p->inst, 0, JET_paramSystemPath, 0, p->sys);
	if (err >= 0)
		err = JetSetSystemParameter(&p->inst, 0, JET_paramLogFilePath, 0, p->sys);
	if (err >= 0)
		err = JetSetSystemParameter(&p->inst, 0, JET_paramTempPath, 0, p->sys);
	if (err >= 0)
		err = JetSetSystemParameter(&p->inst, 0, JET_paramLogFileSize, 64, NULL);
	if (err >= 0)
		err = JetSetSystemParameter(&p->inst, 0, JET_paramCircularLog, 1, NULL);
	if (err >= 0)
		err = JetSetSystemParameter(&p->inst, 0, JET_paramCacheSizeMax, 128, NULL);
	if (err >= 0)
		err = JetSetSystemParameter(&p->inst, 0, JET_paramDatabasePageSize, 4096, NULL);
	if (err >= 0)
		err = JetInit(&p->inst);
	if (err < 0)
		FUZZ_FAIL("starting instance %s (JetInit, recovering): %ld", name, (long)err);
	p->running = true;
}

static void check_report(void *ctx, uint32_t pgno, const char *what)
{
	(void)ctx;
	fprintf(stderr, "eng_db_check: page %u: %s\n", pgno, what);
}

/* After the program: recover, attach what exists, check it. */
static void final_check(prog *p)
{
	inst_start(p);
	JET_SESID s;
	if (JetBeginSession(p->inst, &s, NULL, NULL) < 0)
		FUZZ_FAIL("JetBeginSession on the checking instance");
	for (int i = 0; i < 2; i++) {
		if (access(p->db[i], F_OK) != 0)
			continue;
		JET_ERR err = JetAttachDatabase(s, p->db[i], 0);
		if (err == JET_errDatabaseCorrupted || err == JET_errInvalidDatabase ||
		    err == JET_errReadVerifyFailure)
			FUZZ_FAIL("%s: after the program and recovery, attach gives %ld", p->db[i],
				  (long)err);
		CK(err);
		if (err < 0)
			continue;
		api_inst *ai = NULL;
		if (api_inst_get(p->inst, &ai) < 0)
			abort();
		jdb *db = eng_db_find(ai->eng, p->db[i]);
		if (!db)
			FUZZ_FAIL("eng_db_find after attach");
		err = eng_db_check(db, check_report, NULL);
		if (err != 0)
			FUZZ_FAIL("%s: eng_db_check after the program: %ld", p->db[i], (long)err);
	}
	CK(JetEndSession(s, 0));
	JET_ERR err = JetTerm(p->inst);
	if (err < 0)
		FUZZ_FAIL("JetTerm of the checking instance: %ld", (long)err);
	p->running = false;
}

/* One step; returns false when the program ends. */
static bool step(prog *p)
{
	static uint8_t data[512];
	char name[96], name2[96];
	unsigned long ul = 0;
	JET_ERR err = 0;
	uint8_t op = fuzz_u8(&p->in);
	uint8_t slot = fuzz_u8(&p->in);
	switch (op % 48) {
	case 0: {
		JET_SESID s = 0;
		err = JetBeginSession(p->inst, &s, NULL, NULL);
		if (err >= 0)
			store(slot, p->sess, NSESS, s);
		break;
	}
	case 1:
		{
		JET_SESID s = pick_sess(p);
		err = JetEndSession(s, pick_grbit(p));
	}
		break;
	case 2:
		{
		JET_SESID s = pick_sess(p);
		err = JetBeginTransaction2(s, pick_grbit(p));
	}
		break;
	case 3:
	case 4:
		{
		JET_SESID s = pick_sess(p);
		err = JetCommitTransaction(s, pick_grbit(p));
	}
		break;
	case 5:
		{
		JET_SESID s = pick_sess(p);
		err = JetRollback(s, pick_grbit(p));
	}
		break;
	case 6: {
		JET_DBID d = 0;
		JET_SESID s = pick_sess(p);
		const char *path = pick_path(p);
		err = JetCreateDatabase(s, path, NULL, &d, pick_grbit(p));
		if (err >= 0)
			store(slot, p->dbid, NDBID, d);
		break;
	}
	case 7: {
		JET_SESID s = pick_sess(p);
		const char *path = pick_path(p);
		err = JetAttachDatabase(s, path, pick_grbit(p));
		break;
	}
	case 8: {
		JET_SESID s = pick_sess(p);
		err = JetDetachDatabase(s, slot & 1 ? pick_path(p) : NULL);
		break;
	}
	case 9: {
		JET_DBID d = 0;
		JET_SESID s = pick_sess(p);
		const char *path = pick_path(p);
		err = JetOpenDatabase(s, path, NULL, &d, pick_grbit(p));
		if (err >= 0)
			store(slot, p->dbid, NDBID, d);
		break;
	}
	case 10: {
		JET_SESID s = pick_sess(p);
		JET_DBID d = pick_dbid(p);
		err = JetCloseDatabase(s, d, pick_grbit(p));
		break;
	}
	case 11:
	case 12: {
		JET_TABLEID t = 0;
		JET_SESID s = pick_sess(p);
		JET_DBID d = pick_dbid(p);
		const char *n = pick_name(p, name, sizeof(name));
		unsigned long pages = fuzz_u8(&p->in);
		unsigned long density = fuzz_u8(&p->in);
		err = JetCreateTable(s, d, n, pages, density, &t);
		if (err >= 0)
			store(slot, p->tid, NTID, t);
		break;
	}
	case 13: {
		JET_SESID s = pick_sess(p);
		JET_DBID d = pick_dbid(p);
		err = JetDeleteTable(s, d, pick_name(p, name, sizeof(name)));
		break;
	}
	case 14:
	case 15: {
		JET_TABLEID t = 0;
		JET_SESID s = pick_sess(p);
		JET_DBID d = pick_dbid(p);
		const char *n = pick_name(p, name, sizeof(name));
		err = JetOpenTable(s, d, n, NULL, 0, pick_grbit(p), &t);
		if (err >= 0)
			store(slot, p->tid, NTID, t);
		break;
	}
	case 16: {
		JET_SESID s = pick_sess(p);
		err = JetCloseTable(s, pick_tid(p));
		break;
	}
	case 17:
	case 18: {
		JET_COLUMNDEF cd;
		memset(&cd, 0, sizeof(cd));
		cd.cbStruct = fuzz_u8(&p->in) < 0xf0 ? sizeof(cd) : fuzz_u8(&p->in);
		cd.coltyp = fuzz_u8(&p->in) % 21;
		cd.cbMax = fuzz_u8(&p->in) < 0xc0 ? 0 : fuzz_u32(&p->in);
		cd.grbit = pick_grbit(p);
		cd.cp = fuzz_u8(&p->in) & 1 ? 1200 : 0;
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		const char *n = pick_name(p, name, sizeof(name));
		size_t cbdef = fuzz_bytes(&p->in, data, 16);
		JET_COLUMNID c = 0;
		err = JetAddColumn(s, t, n, &cd, cbdef ? data : NULL, (unsigned long)cbdef, &c);
		if (err >= 0)
			p->col[p->ncol++ % NCOL] = c;
		break;
	}
	case 19: {
		/* key: up to 3 segments "+c0\0" / "-c1\0", or raw bytes */
		char key[128];
		size_t cb = 0;
		uint8_t kind = fuzz_u8(&p->in);
		if (kind < 0xc0) {
			for (int i = 0; i <= kind % 3; i++) {
				int w = snprintf(key + cb, sizeof(key) - cb, "%cc%u",
						 (kind >> (2 + i)) & 1 ? '-' : '+',
						 (unsigned)fuzz_u8(&p->in) % 3);
				cb += (size_t)w + 1;
			}
			key[cb++] = '\0';
		} else {
			cb = fuzz_bytes(&p->in, key, sizeof(key));
		}
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		const char *n = pick_name(p, name, sizeof(name));
		JET_GRBIT g = pick_grbit(p);
		err = JetCreateIndex(s, t, n, g, key, (unsigned long)cb, fuzz_u8(&p->in));
		break;
	}
	case 20:
	case 21: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		uint8_t b = fuzz_u8(&p->in);
		err = JetPrepareUpdate(s, t, b < 0xf0 ? (unsigned long)(b % 8) : fuzz_u32(&p->in));
		break;
	}
	case 22:
	case 23:
	case 24: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		JET_COLUMNID c = pick_col(p);
		size_t cb = fuzz_bytes(&p->in, data, sizeof(data));
		JET_GRBIT g = pick_grbit(p);
		JET_SETINFO si = {sizeof(si), 0, 0};
		si.ibLongValue = fuzz_u8(&p->in) % 4;
		si.itagSequence = fuzz_u8(&p->in) % 4;
		err = JetSetColumn(s, t, c, cb ? data : NULL, (unsigned long)cb, g,
				   slot & 1 ? &si : NULL);
		break;
	}
	case 25:
	case 26: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		unsigned long cb = fuzz_u8(&p->in) % 64;
		uint8_t *bm = malloc(cb + 1);
		err = JetUpdate(s, t, cb ? bm : NULL, cb, cb ? &ul : NULL);
		free(bm);
		break;
	}
	case 27: {
		JET_SESID s = pick_sess(p);
		err = JetDelete(s, pick_tid(p));
		break;
	}
	case 28:
	case 29: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		uint8_t b = fuzz_u8(&p->in);
		long crow = b < 0x40   ? (long)JET_MoveFirst
			    : b < 0x80 ? JET_MoveNext
			    : b < 0xa0 ? JET_MovePrevious
			    : b < 0xc0 ? JET_MoveLast
				       : (long)(int32_t)fuzz_u32(&p->in);
		err = JetMove(s, t, crow, pick_grbit(p));
		break;
	}
	case 30: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		size_t cb = fuzz_bytes(&p->in, data, 300);
		err = JetMakeKey(s, t, cb ? data : NULL, (unsigned long)cb, pick_grbit(p));
		break;
	}
	case 31: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		err = JetSeek(s, t, pick_grbit(p));
		break;
	}
	case 32:
	case 33: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		JET_COLUMNID c = pick_col(p);
		unsigned long cb = fuzz_u16(&p->in) % 600;
		JET_GRBIT g = pick_grbit(p);
		JET_RETINFO ri = {sizeof(ri), 0, 0, 0};
		ri.ibLongValue = fuzz_u8(&p->in) % 4;
		ri.itagSequence = fuzz_u8(&p->in) % 4;
		uint8_t *buf = malloc(cb ? cb : 1);
		err = JetRetrieveColumn(s, t, c, cb ? buf : NULL, cb, &ul, g, slot & 1 ? &ri : NULL);
		free(buf);
		break;
	}
	case 34: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		const char *n = slot & 1 ? NULL : pick_name(p, name, sizeof(name));
		err = JetSetCurrentIndex2(s, t, n, pick_grbit(p));
		break;
	}
	case 35: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		JET_COLUMNID c = pick_col(p);
		uint8_t delta[8];
		int32_t dv = (int32_t)fuzz_u32(&p->in);
		memcpy(delta, &dv, 4);
		unsigned long cbd = fuzz_u8(&p->in) % 9, cbold = fuzz_u8(&p->in) % 9;
		uint8_t *old = malloc(cbold ? cbold : 1);
		JET_GRBIT g = pick_grbit(p);
		if (HAVE(JetEscrowUpdate))
			err = JetEscrowUpdate(s, t, c, delta, cbd, cbold ? old : NULL, cbold, &ul, g);
		free(old);
		break;
	}
	case 36: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		unsigned long cb = fuzz_u8(&p->in) % 300;
		uint8_t *bm = malloc(cb ? cb : 1);
		err = JetGetBookmark(s, t, bm, cb, &ul);
		CK(err);
		if (err >= 0 || (fuzz_u8(&p->in) & 1)) {
			unsigned long cbg = err >= 0 ? JET_MIN(ul, cb) : cb;
			if (!(err >= 0) && cbg)
				memset(bm, fuzz_u8(&p->in), cbg);
			err = JetGotoBookmark(s, t, bm, cbg);
		}
		free(bm);
		break;
	}
	case 37: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		err = JetSetIndexRange(s, t, pick_grbit(p));
		break;
	}
	case 38: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p), t2 = 0;
		err = HAVE(JetDupCursor) ? JetDupCursor(s, t, &t2, pick_grbit(p)) : 0;
		if (err >= 0 && t2)
			store(slot, p->tid, NTID, t2);
		break;
	}
	case 39: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		switch (slot % 4) {
		case 0:
			err = HAVE(JetDeleteColumnA) ? JetDeleteColumn(s, t, pick_name(p, name, sizeof(name))) : 0;
			break;
		case 1:
			err = HAVE(JetDeleteIndexA) ? JetDeleteIndex(s, t, pick_name(p, name, sizeof(name))) : 0;
			break;
		case 2: {
			const char *a = pick_name(p, name, sizeof(name));
			const char *b = pick_name(p, name2, sizeof(name2));
			JET_GRBIT g = pick_grbit(p);
			if (HAVE(JetRenameColumnA))
				err = JetRenameColumn(s, t, a, b, g);
			break;
		}
		default: {
			JET_DBID d = pick_dbid(p);
			const char *a = pick_name(p, name, sizeof(name));
			const char *b = pick_name(p, name2, sizeof(name2));
			if (HAVE(JetRenameTableA))
				err = JetRenameTable(s, d, a, b);
			break;
		}
		}
		break;
	}
	case 40: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		switch (slot % 4) {
		case 0:
			err = HAVE(JetGetLock) ? JetGetLock(s, t, pick_grbit(p)) : 0;
			break;
		case 1:
			err = JetIndexRecordCount(s, t, &ul, fuzz_u8(&p->in));
			break;
		case 2: {
			unsigned long cb = fuzz_u16(&p->in) % 400;
			uint8_t *buf = malloc(cb ? cb : 1);
			err = JetRetrieveKey(s, t, cb ? buf : NULL, cb, &ul, pick_grbit(p));
			free(buf);
			break;
		}
		default: {
			if (!HAVE(JetGetRecordPosition) || !HAVE(JetGotoPosition))
				break;
			JET_RECPOS rp;
			memset(&rp, 0, sizeof(rp));
			err = JetGetRecordPosition(s, t, &rp, fuzz_u8(&p->in) < 0xf0 ? sizeof(rp) : 4);
			CK(err);
			if (fuzz_u8(&p->in) & 1) {
				rp.cbStruct = sizeof(rp);
				rp.centriesLT = fuzz_u16(&p->in);
				rp.centriesTotal = fuzz_u16(&p->in);
			}
			err = JetGotoPosition(s, t, &rp);
			break;
		}
		}
		break;
	}
	case 41:
	case 42: {
		/* information functions into buffers of exactly cb bytes */
		JET_SESID s = pick_sess(p);
		unsigned long cb = fuzz_u16(&p->in) % 700;
		unsigned long level = fuzz_u8(&p->in) % 20;
		uint8_t *buf = calloc(1, cb ? cb : 1);
		switch (slot % 5) {
		case 0:
			err = JetGetTableInfo(s, pick_tid(p), buf, cb, level);
			break;
		case 1:
			err = JetGetDatabaseInfo(s, pick_dbid(p), buf, cb, level);
			break;
		case 2: {
			JET_TABLEID t = pick_tid(p);
			err = JetGetTableColumnInfo(s, t, pick_name(p, name, sizeof(name)), buf, cb,
						    level % 9);
			break;
		}
		case 3: {
			JET_TABLEID t = pick_tid(p);
			const char *n = pick_name(p, name, sizeof(name));
			if (HAVE(JetGetTableIndexInfoA))
				err = JetGetTableIndexInfo(s, t, n, buf, cb, level % 13);
			break;
		}
		default: {
			JET_TABLEID t = pick_tid(p);
			err = JetGetCurrentIndex(s, t, (char *)buf, cb);
			break;
		}
		}
		/* a table list or column list is a temporary table: close it */
		if (err >= 0 && (slot % 5 == 2 || slot % 5 == 3) && cb >= sizeof(JET_COLUMNLIST) &&
		    ((slot % 5 == 2 && (level % 9 == JET_ColInfoList ||
					level % 9 == JET_ColInfoListCompact ||
					level % 9 == JET_ColInfoListSortColumnid)) ||
		     (slot % 5 == 3 && level % 13 == JET_IdxInfoList))) {
			JET_TABLEID lt = slot % 5 == 2 ? ((JET_COLUMNLIST *)buf)->tableid
						       : ((JET_INDEXLIST *)buf)->tableid;
			CK(JetCloseTable(s, lt));
		}
		free(buf);
		break;
	}
	case 43: {
		JET_SESID s = pick_sess(p);
		unsigned long param = fuzz_u8(&p->in) % 140;
		unsigned long cb = fuzz_u16(&p->in) % 300;
		char *buf = malloc(cb ? cb : 1);
		JET_API_PTR v = 0;
		err = JetGetSystemParameter(p->inst, s, param, &v, cb ? buf : NULL, cb);
		free(buf);
		break;
	}
	case 44: {
		JET_SESID s = pick_sess(p);
		unsigned long param = fuzz_u8(&p->in) % 140;
		if (param == JET_paramSystemPath || param == JET_paramLogFilePath ||
		    param == JET_paramTempPath)
			param = JET_paramMaxSessions;
		JET_API_PTR v = fuzz_u32(&p->in);
		const char *sz = slot & 1 ? pick_name(p, name, sizeof(name)) : NULL;
		JET_INSTANCE inst = p->inst;
		err = JetSetSystemParameter(&inst, s, param, v, sz);
		break;
	}
	case 45: {
		JET_SESID s = pick_sess(p);
		JET_TABLEID t = pick_tid(p);
		switch (slot % 3) {
		case 0: {
			JET_TABLESTATE ts;
			memset(&ts, 0, sizeof(ts));
			ts.cbStruct = fuzz_u8(&p->in) < 0xf0 ? sizeof(ts) : 8;
			err = JetGetTableState(s, t, &ts);
			break;
		}
		case 1:
		{
			unsigned long ic = fuzz_u8(&p->in) % 4;
			long long delta = (int32_t)fuzz_u32(&p->in);
			err = JetAddTableCounter(s, t, ic, delta);
		}
			break;
		default:
			err = HAVE(JetComputeStats) ? JetComputeStats(s, t) : 0;
			break;
		}
		break;
	}
	case 46: {
		/* restart: terminate (maybe abruptly), then a new instance recovers */
		JET_GRBIT g = pick_grbit(p);
		if (slot & 1)
			g = slot & 2 ? JET_bitTermAbrupt : JET_bitTermDirty;
		/* JetTerm2 frees the instance whatever it returns, except for a
		 * grbit it refuses */
		err = JetTerm2(p->inst, g);
		CK(err);
		if (err == JET_errInvalidGrbit) {
			err = JetTerm2(p->inst, JET_bitTermAbrupt);
			if (err < 0)
				FUZZ_FAIL("JetTerm2(Abrupt) after JetTerm2(%#lx) refused the grbit: "
					  "%ld",
					  (unsigned long)g, (long)err);
		}
		p->running = false;
		inst_start(p);
		return true;
	}
	default:
		return fuzz_more(&p->in);
	}
	fuzz_check_err(err, "a step");
	return fuzz_more(&p->in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static prog p;
	memset(&p, 0, sizeof(p));
	p.in.p = data;
	p.in.n = size;
	fuzz_dir_clear();
	snprintf(p.sys, sizeof(p.sys), "%s/sys/", fuzz_dir());
	char sysdir[300];
	snprintf(sysdir, sizeof(sysdir), "%s/sys", fuzz_dir());
	if (mkdir(sysdir, 0700) != 0)
		abort();
	snprintf(p.db[0], sizeof(p.db[0]), "%s/a.jdb", fuzz_dir());
	snprintf(p.db[1], sizeof(p.db[1]), "%s/b.jdb", fuzz_dir());
	inst_start(&p);
	/* a usual start, so programs need not find it: a session, a database */
	if (JetBeginSession(p.inst, &p.sess[0], NULL, NULL) < 0 ||
	    JetCreateDatabase(p.sess[0], p.db[0], NULL, &p.dbid[0], 0) < 0)
		FUZZ_FAIL("opening the program's database");
	for (int n = 0; n < MAX_STEPS && step(&p);)
		n++;
	JET_ERR err = JetTerm(p.inst);
	if (err < 0)
		FUZZ_FAIL("JetTerm after the program: %ld", (long)err);
	p.running = false;
	final_check(&p);
	return 0;
}
