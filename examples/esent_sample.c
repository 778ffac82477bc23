/*
 * esent_sample.c - a small program written the way an ESENT programmer
 * writes one, built against libjet's <esent.h> unchanged.
 *
 *     esent_sample DIR
 *
 * DIR (which must exist) receives the checkpoint, the logs, the temporary
 * files and the database sample.edb. The program creates an instance, a
 * session and a database; a table "contacts" with an autoincrement key, a
 * name (Text, with a secondary index), notes (LongText) and tags (a
 * multi-valued tagged Text column); inserts a few contacts in a
 * transaction, rolls another one back, seeks by name, reads every tag of a
 * contact, sorts all tags through a temporary table, and shuts down. It
 * prints what it does and exits 0 when every call succeeded and every
 * result was the expected one.
 *
 * Build it against an installed libjet:
 *     cc esent_sample.c $(pkg-config --cflags --libs libjet)
 * (see examples/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <esent.h>

/* ESE's usual error handling: every call is checked, an error (negative)
 * jumps to the cleanup with err set; warnings (positive) go on. */
#define Call(fn)                                                                      \
	do {                                                                          \
		err = (fn);                                                           \
		if (err < 0) {                                                        \
			fprintf(stderr, "esent_sample: %s failed: %ld (line %d)\n", #fn, \
				(long)err, __LINE__);                                 \
			goto HandleError;                                             \
		}                                                                     \
	} while (0)

/* A result that is not the expected one: stop with an error. */
#define Expect(cond)                                                                  \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "esent_sample: unexpected: %s (line %d)\n", #cond, \
				__LINE__);                                            \
			err = JET_errInvalidParameter;                                \
			goto HandleError;                                             \
		}                                                                     \
	} while (0)

typedef struct contact {
	const char *name;
	const char *notes;
	const char *tags[4];
} contact;

static const contact g_contacts[] = {
	{"Carol", "Met at the storage conference; prefers e-mail.", {"work", "storage", NULL}},
	{"alice", "Neighbour. Has a spare key.", {"home", "keys", "garden", NULL}},
	{"Bob", "Plays the cello. Lends books.", {"music", "books", "home", NULL}},
	{"dave", "Old colleague from the B-tree team.", {"work", "btree", "books", NULL}},
};
#define NCONTACTS (sizeof(g_contacts) / sizeof(g_contacts[0]))

/* The columns of "contacts", as created. */
typedef struct columns {
	JET_COLUMNID id, name, notes, tags;
} columns;

/* Insert one contact; *pid receives its autoincrement id. Every tag is
 * added as a new value of the multi-valued column (itagSequence 0). */
static JET_ERR insert_contact(JET_SESID sesid, JET_TABLEID tableid, const columns *cols,
			      const contact *c, long *pid)
{
	JET_ERR err;
	JET_SETINFO setinfo;
	int id = 0;
	unsigned long cbActual = 0;
	int i;

	Call(JetPrepareUpdate(sesid, tableid, JET_prepInsert));
	/* The autoincrement value is known as soon as the insert is prepared. */
	Call(JetRetrieveColumn(sesid, tableid, cols->id, &id, sizeof(id), &cbActual,
			       JET_bitRetrieveCopy, NULL));
	Call(JetSetColumn(sesid, tableid, cols->name, c->name, (unsigned long)strlen(c->name), 0,
			  NULL));
	Call(JetSetColumn(sesid, tableid, cols->notes, c->notes,
			  (unsigned long)strlen(c->notes), 0, NULL));
	for (i = 0; c->tags[i]; i++) {
		memset(&setinfo, 0, sizeof(setinfo));
		setinfo.cbStruct = sizeof(setinfo);
		setinfo.itagSequence = 0; /* add a value */
		Call(JetSetColumn(sesid, tableid, cols->tags, c->tags[i],
				  (unsigned long)strlen(c->tags[i]), 0, &setinfo));
	}
	Call(JetUpdate(sesid, tableid, NULL, 0, NULL));
	*pid = id;
	return JET_errSuccess;

HandleError:
	/* Leave no update prepared behind. */
	JetPrepareUpdate(sesid, tableid, JET_prepCancel);
	return err;
}

/* Print the contact the cursor is on: id, name, notes and every tag; the
 * number of tags goes to *pctags. */
static JET_ERR print_contact(JET_SESID sesid, JET_TABLEID tableid, const columns *cols,
			     unsigned long *pctags)
{
	JET_ERR err;
	JET_RETINFO retinfo;
	int id = 0;
	char name[256], notes[1024], tag[256];
	unsigned long cbName = 0, cbNotes = 0, cbTag = 0, itag;

	Call(JetRetrieveColumn(sesid, tableid, cols->id, &id, sizeof(id), NULL, 0, NULL));
	Call(JetRetrieveColumn(sesid, tableid, cols->name, name, sizeof(name) - 1, &cbName, 0,
			       NULL));
	name[cbName] = '\0';
	Call(JetRetrieveColumn(sesid, tableid, cols->notes, notes, sizeof(notes) - 1, &cbNotes, 0,
			       NULL));
	notes[cbNotes < sizeof(notes) ? cbNotes : sizeof(notes) - 1] = '\0';
	printf("  contact %d: %s, \"%s\"\n    tags:", id, name, notes);

	/* Each value of the multi-valued column by its sequence number,
	 * from 1, until JET_wrnColumnNull says there is no such value. */
	for (itag = 1;; itag++) {
		memset(&retinfo, 0, sizeof(retinfo));
		retinfo.cbStruct = sizeof(retinfo);
		retinfo.itagSequence = itag;
		Call(JetRetrieveColumn(sesid, tableid, cols->tags, tag, sizeof(tag) - 1, &cbTag, 0,
				       &retinfo));
		if (err == JET_wrnColumnNull)
			break;
		tag[cbTag] = '\0';
		printf(" %s", tag);
	}
	printf("\n");
	*pctags = itag - 1;
	return JET_errSuccess;

HandleError:
	return err;
}

int main(int argc, char **argv)
{
	JET_ERR err = JET_errSuccess;
	JET_INSTANCE instance = 0;
	JET_SESID sesid = JET_sesidNil;
	JET_DBID dbid = JET_dbidNil;
	JET_TABLEID tableid = JET_tableidNil, temptableid = JET_tableidNil;
	int initialized = 0;
	char folder[1024], dbpath[1100];
	columns cols;
	long ids[NCONTACTS], idRolledBack = 0;
	unsigned long i, ctags = 0;

	/* The table: an autoincrement key, a name with a secondary index,
	 * notes, and a multi-valued tag column. */
	JET_COLUMNCREATE columncreate[] = {
		{sizeof(JET_COLUMNCREATE), "id", JET_coltypLong, 0,
		 JET_bitColumnFixed | JET_bitColumnAutoincrement, NULL, 0, 0, 0, 0},
		{sizeof(JET_COLUMNCREATE), "name", JET_coltypText, 100, JET_bitColumnNotNULL, NULL,
		 0, 1252, 0, 0},
		{sizeof(JET_COLUMNCREATE), "notes", JET_coltypLongText, 0, 0, NULL, 0, 1252, 0, 0},
		{sizeof(JET_COLUMNCREATE), "tags", JET_coltypText, 64,
		 JET_bitColumnTagged | JET_bitColumnMultiValued, NULL, 0, 1252, 0, 0},
	};
	char keyPrimary[] = "+id\0";
	char keyName[] = "+name\0";
	JET_INDEXCREATE indexcreate[2];
	JET_TABLECREATE tablecreate;

	if (argc != 2) {
		fprintf(stderr, "usage: esent_sample DIR\n");
		return 2;
	}
	/* Folders given to ESE end with a separator. */
	snprintf(folder, sizeof(folder), "%s/", argv[1]);
	snprintf(dbpath, sizeof(dbpath), "%ssample.edb", folder);

	memset(indexcreate, 0, sizeof(indexcreate));
	indexcreate[0].cbStruct = sizeof(JET_INDEXCREATE);
	indexcreate[0].szIndexName = "primary";
	indexcreate[0].szKey = keyPrimary;
	indexcreate[0].cbKey = sizeof(keyPrimary); /* "+id\0\0": both NULs counted */
	indexcreate[0].grbit = JET_bitIndexPrimary;
	indexcreate[0].ulDensity = 100;
	indexcreate[1].cbStruct = sizeof(JET_INDEXCREATE);
	indexcreate[1].szIndexName = "byname";
	indexcreate[1].szKey = keyName;
	indexcreate[1].cbKey = sizeof(keyName);
	indexcreate[1].grbit = 0;
	indexcreate[1].ulDensity = 100;

	memset(&tablecreate, 0, sizeof(tablecreate));
	tablecreate.cbStruct = sizeof(tablecreate);
	tablecreate.szTableName = "contacts";
	tablecreate.ulPages = 16;
	tablecreate.ulDensity = 100;
	tablecreate.rgcolumncreate = columncreate;
	tablecreate.cColumns = sizeof(columncreate) / sizeof(columncreate[0]);
	tablecreate.rgindexcreate = indexcreate;
	tablecreate.cIndexes = 2;

	/* Instance, parameters, init. */
	printf("creating the instance in %s\n", folder);
	Call(JetCreateInstance(&instance, "esent_sample"));
	Call(JetSetSystemParameter(&instance, JET_sesidNil, JET_paramSystemPath, 0, folder));
	Call(JetSetSystemParameter(&instance, JET_sesidNil, JET_paramLogFilePath, 0, folder));
	Call(JetSetSystemParameter(&instance, JET_sesidNil, JET_paramTempPath, 0, folder));
	Call(JetSetSystemParameter(&instance, JET_sesidNil, JET_paramCircularLog, 1, NULL));
	Call(JetInit(&instance));
	initialized = 1;
	Call(JetBeginSession(instance, &sesid, "", ""));

	/* The database and the table, in one transaction. */
	printf("creating %s\n", dbpath);
	Call(JetCreateDatabase(sesid, dbpath, NULL, &dbid, 0));
	Call(JetBeginTransaction(sesid));
	Call(JetCreateTableColumnIndex(sesid, dbid, &tablecreate));
	for (i = 0; i < tablecreate.cColumns; i++)
		Call(columncreate[i].err);
	for (i = 0; i < tablecreate.cIndexes; i++)
		Call(indexcreate[i].err);
	Call(JetCloseTable(sesid, tablecreate.tableid));
	Call(JetCommitTransaction(sesid, 0));
	printf("created table contacts: %lu objects (table, %lu columns, %lu indexes)\n",
	       tablecreate.cCreated, tablecreate.cColumns, tablecreate.cIndexes);
	cols.id = columncreate[0].columnid;
	cols.name = columncreate[1].columnid;
	cols.notes = columncreate[2].columnid;
	cols.tags = columncreate[3].columnid;

	/* Inserts, committed together. */
	Call(JetOpenTable(sesid, dbid, "contacts", NULL, 0, 0, &tableid));
	Call(JetBeginTransaction(sesid));
	for (i = 0; i < NCONTACTS; i++) {
		Call(insert_contact(sesid, tableid, &cols, &g_contacts[i], &ids[i]));
		printf("inserted %s as id %ld\n", g_contacts[i].name, ids[i]);
	}
	Call(JetCommitTransaction(sesid, 0));
	for (i = 0; i < NCONTACTS; i++)
		Expect(ids[i] == (long)i + 1);

	/* An insert rolled back: the contact is gone afterwards. */
	{
		static const contact eve = {"Eve", "Never committed.", {"temporary", NULL}};
		int id;

		Call(JetBeginTransaction(sesid));
		Call(insert_contact(sesid, tableid, &cols, &eve, &idRolledBack));
		printf("inserted Eve as id %ld, then rolled back\n", idRolledBack);
		Call(JetRollback(sesid, 0));
		Call(JetSetCurrentIndex(sesid, tableid, "primary"));
		id = (int)idRolledBack;
		Call(JetMakeKey(sesid, tableid, &id, sizeof(id), JET_bitNewKey));
		err = JetSeek(sesid, tableid, JET_bitSeekEQ);
		Expect(err == JET_errRecordNotFound);
		printf("seek for id %d after the rollback: JET_errRecordNotFound\n", id);
	}

	/* Seek on the secondary index: text keys are case-insensitive. */
	printf("seek by name \"BOB\":\n");
	Call(JetSetCurrentIndex(sesid, tableid, "byname"));
	Call(JetMakeKey(sesid, tableid, "BOB", 3, JET_bitNewKey));
	Call(JetSeek(sesid, tableid, JET_bitSeekEQ));
	Call(print_contact(sesid, tableid, &cols, &ctags));
	Expect(ctags == 3);

	/* Every contact in name order. */
	printf("all contacts by name:\n");
	for (err = JetMove(sesid, tableid, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(sesid, tableid, JET_MoveNext, 0))
		Call(print_contact(sesid, tableid, &cols, &ctags));
	Expect(err == JET_errNoCurrentRecord);

	/* A temporary table sorts every tag, without duplicates. */
	{
		JET_COLUMNDEF columndef[2];
		JET_COLUMNID tempcols[2];
		char tag[256];
		unsigned long cbTag, itag, ctagsSorted = 0;
		JET_RETINFO retinfo;

		memset(columndef, 0, sizeof(columndef));
		columndef[0].cbStruct = sizeof(JET_COLUMNDEF);
		columndef[0].coltyp = JET_coltypText;
		columndef[0].cp = 1252;
		columndef[0].grbit = JET_bitColumnTTKey;
		columndef[1].cbStruct = sizeof(JET_COLUMNDEF);
		columndef[1].coltyp = JET_coltypLong;
		Call(JetOpenTempTable(sesid, columndef, 2, JET_bitTTUnique | JET_bitTTScrollable,
				      &temptableid, tempcols));
		Call(JetSetCurrentIndex(sesid, tableid, "primary"));
		for (err = JetMove(sesid, tableid, JET_MoveFirst, 0); err >= 0;
		     err = JetMove(sesid, tableid, JET_MoveNext, 0)) {
			int id;
			Call(JetRetrieveColumn(sesid, tableid, cols.id, &id, sizeof(id), NULL, 0,
					       NULL));
			for (itag = 1;; itag++) {
				memset(&retinfo, 0, sizeof(retinfo));
				retinfo.cbStruct = sizeof(retinfo);
				retinfo.itagSequence = itag;
				Call(JetRetrieveColumn(sesid, tableid, cols.tags, tag, sizeof(tag),
						       &cbTag, 0, &retinfo));
				if (err == JET_wrnColumnNull)
					break;
				Call(JetPrepareUpdate(sesid, temptableid, JET_prepInsert));
				Call(JetSetColumn(sesid, temptableid, tempcols[0], tag, cbTag, 0,
						  NULL));
				Call(JetSetColumn(sesid, temptableid, tempcols[1], &id, sizeof(id),
						  0, NULL));
				Call(JetUpdate(sesid, temptableid, NULL, 0, NULL));
			}
		}
		Expect(err == JET_errNoCurrentRecord);
		printf("tags, sorted by a temporary table:");
		for (err = JetMove(sesid, temptableid, JET_MoveFirst, 0); err >= 0;
		     err = JetMove(sesid, temptableid, JET_MoveNext, 0)) {
			Call(JetRetrieveColumn(sesid, temptableid, tempcols[0], tag,
					       sizeof(tag) - 1, &cbTag, 0, NULL));
			tag[cbTag] = '\0';
			printf(" %s", tag);
			ctagsSorted++;
		}
		printf("\n");
		Expect(err == JET_errNoCurrentRecord);
		Expect(ctagsSorted == 8); /* 11 tags, 8 distinct */
		Call(JetCloseTable(sesid, temptableid));
		temptableid = JET_tableidNil;
	}

	/* Shut down. */
	Call(JetCloseTable(sesid, tableid));
	tableid = JET_tableidNil;
	Call(JetCloseDatabase(sesid, dbid, 0));
	dbid = JET_dbidNil;
	Call(JetEndSession(sesid, 0));
	sesid = JET_sesidNil;
	Call(JetTerm(instance));
	printf("done\n");
	return 0;

HandleError:
	if (temptableid != JET_tableidNil)
		JetCloseTable(sesid, temptableid);
	if (tableid != JET_tableidNil)
		JetCloseTable(sesid, tableid);
	if (sesid != JET_sesidNil)
		JetEndSession(sesid, 0);
	if (initialized)
		JetTerm(instance);
	fprintf(stderr, "esent_sample: failed with %ld\n", (long)err);
	return 1;
}
