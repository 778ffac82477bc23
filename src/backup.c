/*
 * backup.c - online backup: a consistent copy served while writers go on.
 *
 * Rules (engine.h tells the contract):
 *  1. At begin, under each database's checkpoint lock (so no checkpoint is
 *     half-written), the raw header pages and the checkpoint's page count
 *     and log position are saved, and db->backup_hold pins the checkpointed
 *     version: its retired pages stay unreusable (engine.c's horizons) until
 *     the end, so every page the saved header reaches still holds what that
 *     checkpoint wrote, whatever later checkpoints do.
 *  2. inst->backup_log_hold keeps the log from the oldest saved checkpoint
 *     position from being truncated.
 *  3. eng_backup_logs flushes the log and fixes the end position E; the
 *     generation holding E is served with every byte from E on read as zero,
 *     which the log reader takes as the end of the log. So the copy recovers
 *     to exactly the commits before E.
 *  4. Pages other than the headers are read from the live file: pages the
 *     saved checkpoint does not reach may hold anything (later writes), which
 *     is harmless — the copy's free list (in the saved checkpoint) says they
 *     are free.
 *  5. A begin runs a checkpoint first: the saved checkpoint is then as fresh
 *     as it can be, so the copy needs only the log written since (little to
 *     replay), and a page unchanged since the previous backup has the same
 *     bytes at the same offset in both copies (rsync sends only the others).
 *  6. The newest generation is served cut at E rounded up to a log sector,
 *     not at its preallocated size: the log reader takes the end of a short
 *     file as the end of the log (as for a copy), and a copy taken soon
 *     after the previous one does not carry megabytes of zeros.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine_int.h"

struct eng_backup {
	jinst *inst;
	int ndbs;
	struct {
		jdb *db;
		uint8_t *hdr;      /* pages 0 and 1 as at begin */
		uint32_t page_size;
		uint64_t size;     /* bytes: the checkpoint's page count */
	} dbs[ENG_MAX_DBS];
	jet_lsn from;          /* oldest checkpoint position */
	jet_lsn end;           /* fixed by eng_backup_logs; 0 before */
	uint32_t gen_first, gen_last;
};

const char *eng_inst_base_name(const jinst *inst) { return inst->p.base_name; }

static void backup_release(eng_backup *b)
{
	jinst *inst = b->inst;
	pthread_mutex_lock(&inst->commit_lock);
	inst->backup_log_hold = 0;
	pthread_mutex_unlock(&inst->commit_lock);
	for (int i = 0; i < b->ndbs; i++) {
		jdb *db = b->dbs[i].db;
		pthread_mutex_lock(&db->mu);
		db->backup_hold = 0;
		pthread_mutex_unlock(&db->mu);
		eng_db_refresh_horizons(db); /* let the pages the backup held go */
		jet_free(b->dbs[i].hdr);
	}
}

/* Rule 5: a checkpoint of every database, as the checkpointer thread runs
 * one (ckpt_active keeps detach and the thread away meanwhile). */
static JET_ERR backup_checkpoint(jinst *inst)
{
	JET_ERR err = JET_errSuccess;
	jdb *dbs[ENG_MAX_DBS];
	pthread_mutex_lock(&inst->mu);
	eng_wait_ckpt_idle(inst);
	if (inst->backup) {
		pthread_mutex_unlock(&inst->mu);
		return JET_errBackupInProgress;
	}
	inst->ckpt_active = true;
	memcpy(dbs, inst->dbs, sizeof(dbs));
	pthread_mutex_unlock(&inst->mu);
	for (int i = 0; i < ENG_MAX_DBS && err >= 0; i++)
		if (dbs[i] && !dbs[i]->readonly && !inst->fatal)
			err = eng_db_checkpoint(dbs[i]);
	pthread_mutex_lock(&inst->mu);
	inst->ckpt_active = false;
	pthread_cond_broadcast(&inst->ckpt_idle_cv);
	pthread_mutex_unlock(&inst->mu);
	return err;
}

JET_ERR eng_backup_begin(jinst *inst, eng_backup **out)
{
	JET_ERR err = JET_errSuccess;
	eng_backup *b;
	if (!inst || !out)
		return JET_errInvalidParameter;
	if (!inst->initialized)
		return JET_errNotInitialized;
	CallR(backup_checkpoint(inst));
	b = jet_calloc(1, sizeof(*b));
	if (!b)
		return JET_errOutOfMemory;
	b->inst = inst;
	pthread_mutex_lock(&inst->mu);
	eng_wait_ckpt_idle(inst);
	if (inst->backup) {
		pthread_mutex_unlock(&inst->mu);
		jet_free(b);
		return JET_errBackupInProgress;
	}
	b->from = inst->log ? jlog_end(inst->log) : 0;
	for (int i = 0; i < ENG_MAX_DBS; i++) {
		jdb *db = inst->dbs[i];
		if (!db || db->readonly)
			continue;
		int k = b->ndbs;
		uint32_t ps = db->hdr.page_size;
		b->dbs[k].db = db;
		b->dbs[k].page_size = ps;
		b->dbs[k].hdr = jet_malloc(2 * (size_t)ps);
		if (!b->dbs[k].hdr)
			Error(JET_errOutOfMemory);
		b->ndbs++;
		pthread_mutex_lock(&db->ckpt_lock);
		err = os_read_exact(dbfile_os_file(db->file), 0, b->dbs[k].hdr, 2 * (size_t)ps);
		if (err >= 0) {
			b->dbs[k].size = (uint64_t)db->hdr.page_count * ps;
			pthread_mutex_lock(&db->mu);
			db->backup_hold = db->durable_ckpt_ver ? db->durable_ckpt_ver : 1;
			pthread_mutex_unlock(&db->mu);
			pthread_mutex_lock(&inst->commit_lock);
			if (db->ckpt_lsn < b->from)
				b->from = db->ckpt_lsn;
			pthread_mutex_unlock(&inst->commit_lock);
		}
		pthread_mutex_unlock(&db->ckpt_lock);
		Call(err);
	}
	pthread_mutex_lock(&inst->commit_lock);
	inst->backup_log_hold = b->from ? b->from : 1;
	pthread_mutex_unlock(&inst->commit_lock);
	inst->backup = b;
	pthread_mutex_unlock(&inst->mu);
	*out = b;
	return JET_errSuccess;
HandleError:
	backup_release(b);
	pthread_mutex_unlock(&inst->mu);
	jet_free(b);
	return err;
}

int eng_backup_ndbs(const eng_backup *b) { return b ? b->ndbs : 0; }
jdb *eng_backup_db(const eng_backup *b, int i) { return b->dbs[i].db; }
uint64_t eng_backup_db_size(const eng_backup *b, int i) { return b->dbs[i].size; }

JET_ERR eng_backup_read_db(eng_backup *b, int i, uint64_t off, void *buf, size_t cb, size_t *pcb)
{
	if (!b || i < 0 || i >= b->ndbs || (!buf && cb) || !pcb)
		return JET_errInvalidParameter;
	uint64_t size = b->dbs[i].size, hdr = 2 * (uint64_t)b->dbs[i].page_size;
	*pcb = 0;
	if (off >= size)
		return JET_errSuccess;
	if (cb > size - off)
		cb = (size_t)(size - off);
	size_t done = 0;
	if (off < hdr) {
		size_t n = (size_t)JET_MIN((uint64_t)cb, hdr - off);
		memcpy(buf, b->dbs[i].hdr + off, n);
		done = n;
	}
	if (done < cb)
		CallR(os_read_exact(dbfile_os_file(b->dbs[i].db->file), off + done, (uint8_t *)buf + done,
				    cb - done));
	*pcb = cb;
	return JET_errSuccess;
}

JET_ERR eng_backup_logs(eng_backup *b, uint32_t *pfirst, uint32_t *plast)
{
	jinst *inst = b->inst;
	if (!inst->log) {
		*pfirst = *plast = 0;
		return JET_errSuccess;
	}
	if (!b->end) {
		/* Every commit before this position is in the copy (rule 3). */
		b->end = jlog_end(inst->log);
		CallR(jlog_flush(inst->log, b->end));
		b->gen_first = LSN_GEN(b->from);
		b->gen_last = LSN_GEN(b->end);
	}
	*pfirst = b->gen_first;
	*plast = b->gen_last;
	return JET_errSuccess;
}

void eng_backup_log_name(const eng_backup *b, uint32_t gen, char *buf, size_t cb)
{
	jlog_file_name(&b->inst->lp, gen, buf, cb);
}

uint64_t eng_backup_log_size(const eng_backup *b, uint32_t gen)
{
	if (b->end && gen == b->gen_last) /* rule 6 */
		return ((uint64_t)LSN_OFF(b->end) + LOG_SECTOR - 1) / LOG_SECTOR * LOG_SECTOR;
	return b->inst->lp.file_size;
}

JET_ERR eng_backup_read_log(eng_backup *b, uint32_t gen, uint64_t off, void *buf, size_t cb,
			    size_t *pcb)
{
	JET_ERR err = JET_errSuccess;
	os_file *f = NULL;
	char name[2048];
	if (!b || !b->end || gen < b->gen_first || gen > b->gen_last || !pcb || (!buf && cb))
		return JET_errInvalidParameter;
	uint64_t size = eng_backup_log_size(b, gen);
	*pcb = 0;
	if (off >= size)
		return JET_errSuccess;
	if (cb > size - off)
		cb = (size_t)(size - off);
	jlog_file_name(&b->inst->lp, gen, name, sizeof(name));
	Call(os_open(b->inst->p.vfs, name, OS_OPEN_READONLY, &f));
	size_t got = 0;
	Call(os_read(f, off, buf, cb, &got));
	if (got < cb)
		memset((uint8_t *)buf + got, 0, cb - got);
	if (gen == b->gen_last) {
		uint64_t cut = LSN_OFF(b->end);
		if (off + cb > cut) {
			uint64_t from = off > cut ? off : cut;
			memset((uint8_t *)buf + (from - off), 0, (size_t)(off + cb - from));
		}
	}
	*pcb = cb;
HandleError:
	if (f)
		os_close(f);
	return err;
}

JET_ERR eng_backup_chk(eng_backup *b, const char *const *paths, uint8_t **pbuf, size_t *pcb)
{
	JET_ERR err = JET_errSuccess;
	chk_data d;
	uint8_t *buf = jet_malloc(2 * (size_t)CHK_SLOT_SIZE);
	if (!buf)
		return JET_errOutOfMemory;
	memset(&d, 0, sizeof(d));
	d.seq = 2;
	memcpy(d.signature, b->inst->log_signature, 16);
	d.recovery_lsn = b->from;
	d.ndbs = (uint32_t)b->ndbs;
	for (int i = 0; i < b->ndbs; i++) {
		d.dbs[i].slot = b->dbs[i].db->slot;
		/* The signature of the saved header (db->hdr may be newer but
		 * signatures never change). */
		memcpy(d.dbs[i].signature, b->dbs[i].db->hdr.signature, 16);
		if (strlen(paths[i]) >= sizeof(d.dbs[i].path))
			Error(JET_errInvalidPath);
		strcpy(d.dbs[i].path, paths[i]);
	}
	Call(eng_chk_encode(&d, buf));
	memcpy(buf + CHK_SLOT_SIZE, buf, CHK_SLOT_SIZE);
	*pbuf = buf;
	*pcb = 2 * (size_t)CHK_SLOT_SIZE;
	return JET_errSuccess;
HandleError:
	jet_free(buf);
	return err;
}

void eng_backup_end(eng_backup *b)
{
	if (!b)
		return;
	jinst *inst = b->inst;
	pthread_mutex_lock(&inst->mu);
	backup_release(b);
	inst->backup = NULL;
	pthread_mutex_unlock(&inst->mu);
	jet_free(b);
}
