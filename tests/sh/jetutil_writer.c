/*
 * jetutil_writer.c - test helper for t6001-jetutil.sh: writes and reads rows
 * of a database through the JET API, with the log in DATABASE.jetlog/ as
 * jetfs keeps it.
 *
 *   jetutil_writer fill DATABASE TABLE N [kill]
 *       creates TABLE if needed (id Long primary key, name Text indexed,
 *       payload LongBinary) and inserts rows 1..N, committing every 500;
 *       with "kill", _exit()s after the last durable commit without
 *       JetTerm (a crashed writer: the database stays dirty).
 *   jetutil_writer delete DATABASE TABLE K
 *       deletes every row whose id is not a multiple of K.
 *   jetutil_writer print DATABASE TABLE
 *       prints "id,name,payload-length,payload-sum" per row, in key order.
 * Exit 0 on success, 1 with a message on stderr otherwise.
 */
#include <esent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(x)                                                                       \
	do {                                                                           \
		JET_ERR e_ = (x);                                                      \
		if (e_ < 0) {                                                          \
			fprintf(stderr, "jetutil_writer: %s: %d at line %d\n", #x, (int)e_, \
				__LINE__);                                             \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

static JET_INSTANCE inst;
static JET_SESID ses;
static JET_DBID dbid;

static void open_db(const char *db)
{
	char logdir[4200];
	if (snprintf(logdir, sizeof(logdir), "%s.jetlog/", db) >= (int)sizeof(logdir))
		exit(1);
	CHECK(JetCreateInstance(&inst, "writer"));
	CHECK(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, logdir));
	CHECK(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, logdir));
	CHECK(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, logdir));
	CHECK(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, "edb"));
	CHECK(JetSetSystemParameter(&inst, 0, JET_paramCreatePathIfNotExist, 1, NULL));
	CHECK(JetInit(&inst));
	CHECK(JetBeginSession(inst, &ses, NULL, NULL));
	CHECK(JetAttachDatabase(ses, db, 0));
	CHECK(JetOpenDatabase(ses, db, NULL, &dbid, 0));
}

static void close_db(const char *db)
{
	CHECK(JetCloseDatabase(ses, dbid, 0));
	CHECK(JetDetachDatabase(ses, db));
	CHECK(JetEndSession(ses, 0));
	CHECK(JetTerm(inst));
}

static void columns(JET_TABLEID t, JET_COLUMNID col[3])
{
	static const char *const names[3] = {"id", "name", "payload"};
	for (int i = 0; i < 3; i++) {
		JET_COLUMNDEF def;
		CHECK(JetGetTableColumnInfo(ses, t, names[i], &def, sizeof(def), JET_ColInfo));
		col[i] = def.columnid;
	}
}

static void make_table(const char *table)
{
	JET_TABLEID t;
	if (JetOpenTable(ses, dbid, table, NULL, 0, 0, &t) >= 0) {
		CHECK(JetCloseTable(ses, t));
		return;
	}
	JET_COLUMNDEF def;
	JET_COLUMNID c;
	CHECK(JetBeginTransaction(ses));
	CHECK(JetCreateTable(ses, dbid, table, 0, 100, &t));
	memset(&def, 0, sizeof(def));
	def.cbStruct = sizeof(def);
	def.coltyp = JET_coltypLong;
	CHECK(JetAddColumn(ses, t, "id", &def, NULL, 0, &c));
	def.coltyp = JET_coltypText;
	def.cbMax = 200;
	def.cp = 1252;
	CHECK(JetAddColumn(ses, t, "name", &def, NULL, 0, &c));
	def.coltyp = JET_coltypLongBinary;
	def.cbMax = 0;
	def.cp = 0;
	CHECK(JetAddColumn(ses, t, "payload", &def, NULL, 0, &c));
	CHECK(JetCreateIndex(ses, t, "primary", JET_bitIndexPrimary, "+id\0", 5, 100));
	CHECK(JetCreateIndex(ses, t, "byname", 0, "+name\0", 7, 100));
	CHECK(JetCloseTable(ses, t));
	CHECK(JetCommitTransaction(ses, 0));
}

static void fill(const char *table, long n, int kill)
{
	JET_TABLEID t;
	JET_COLUMNID col[3];
	static unsigned char payload[3000];
	make_table(table);
	CHECK(JetOpenTable(ses, dbid, table, NULL, 0, 0, &t));
	columns(t, col);
	CHECK(JetBeginTransaction(ses));
	for (long i = 1; i <= n; i++) {
		int id = (int)i;
		char name[64];
		snprintf(name, sizeof(name), "row-%08ld-%s", (i * 7919) % 100003, table);
		size_t cb = (size_t)(i % 7 == 0 ? 2500 : 20 + i % 100);
		for (size_t k = 0; k < cb; k++)
			payload[k] = (unsigned char)(i + k);
		CHECK(JetPrepareUpdate(ses, t, JET_prepInsert));
		CHECK(JetSetColumn(ses, t, col[0], &id, sizeof(id), 0, NULL));
		CHECK(JetSetColumn(ses, t, col[1], name, (unsigned long)strlen(name), 0, NULL));
		CHECK(JetSetColumn(ses, t, col[2], payload, (unsigned long)cb, 0, NULL));
		CHECK(JetUpdate(ses, t, NULL, 0, NULL));
		if (i % 500 == 0) {
			CHECK(JetCommitTransaction(ses, 0));
			CHECK(JetBeginTransaction(ses));
		}
	}
	CHECK(JetCommitTransaction(ses, 0));
	if (kill)
		_exit(0);
	CHECK(JetCloseTable(ses, t));
}

static void delete_rows(const char *table, long k)
{
	JET_TABLEID t;
	JET_COLUMNID col[3];
	CHECK(JetOpenTable(ses, dbid, table, NULL, 0, 0, &t));
	columns(t, col);
	CHECK(JetBeginTransaction(ses));
	long n = 0;
	JET_ERR err = JetMove(ses, t, JET_MoveFirst, 0);
	while (err >= 0) {
		int id = 0;
		unsigned long cb = 0;
		CHECK(JetRetrieveColumn(ses, t, col[0], &id, sizeof(id), &cb, 0, NULL));
		if (id % k != 0) {
			CHECK(JetDelete(ses, t));
			if (++n % 500 == 0) {
				CHECK(JetCommitTransaction(ses, 0));
				CHECK(JetBeginTransaction(ses));
			}
		}
		err = JetMove(ses, t, JET_MoveNext, 0);
	}
	if (err != JET_errNoCurrentRecord)
		CHECK(err);
	CHECK(JetCommitTransaction(ses, 0));
	CHECK(JetCloseTable(ses, t));
}

static void print_rows(const char *table)
{
	JET_TABLEID t;
	JET_COLUMNID col[3];
	static unsigned char buf[70000];
	CHECK(JetOpenTable(ses, dbid, table, NULL, 0, 0, &t));
	columns(t, col);
	JET_ERR err = JetMove(ses, t, JET_MoveFirst, 0);
	while (err >= 0) {
		int id = 0;
		char name[256];
		unsigned long cbId = 0, cbName = 0, cbPay = 0;
		CHECK(JetRetrieveColumn(ses, t, col[0], &id, sizeof(id), &cbId, 0, NULL));
		CHECK(JetRetrieveColumn(ses, t, col[1], name, sizeof(name) - 1, &cbName, 0, NULL));
		CHECK(JetRetrieveColumn(ses, t, col[2], buf, sizeof(buf), &cbPay, 0, NULL));
		unsigned long sum = 0;
		for (unsigned long k = 0; k < cbPay && k < sizeof(buf); k++)
			sum = sum * 31 + buf[k];
		name[cbName < sizeof(name) ? cbName : sizeof(name) - 1] = 0;
		printf("%d,%s,%lu,%lu\n", id, name, cbPay, sum);
		err = JetMove(ses, t, JET_MoveNext, 0);
	}
	if (err != JET_errNoCurrentRecord)
		CHECK(err);
	CHECK(JetCloseTable(ses, t));
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: jetutil_writer fill|delete|print DATABASE TABLE [N [kill]]\n");
		return 1;
	}
	const char *cmd = argv[1], *table = argv[3];
	/* Absolute, as jetfs gives it: the checkpoint file records the path,
	 * and recovery reads a relative one as relative to the log folder. */
	static char db[4096];
	if (!realpath(argv[2], db)) {
		perror(argv[2]);
		return 1;
	}
	open_db(db);
	if (!strcmp(cmd, "fill") && argc >= 5)
		fill(table, atol(argv[4]), argc > 5 && !strcmp(argv[5], "kill"));
	else if (!strcmp(cmd, "delete") && argc >= 5)
		delete_rows(table, atol(argv[4]));
	else if (!strcmp(cmd, "print"))
		print_rows(table);
	else {
		fprintf(stderr, "jetutil_writer: bad command\n");
		return 1;
	}
	close_db(db);
	return 0;
}
