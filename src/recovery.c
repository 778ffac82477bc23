/*
 * recovery.c - soft recovery in JetInit.
 *
 * State diagram of one run:
 *   read checkpoint file --none--> new log sequence, done
 *        |
 *   open each listed database; those marked dirty whose signature matches
 *   are the ones to redo (their last checkpoint is their starting state)
 *        |
 *   read the log from the checkpoint file's position; for each record of a
 *   database being redone at or after that database's own checkpoint
 *   position, apply it inside the replay session's transaction; COMMIT
 *   commits it (without logging again), ABORT or the end of the log drops
 *   it -- that is the whole of "undo": uncommitted work never reached a
 *   committed version, so nothing on disk needs undoing; a batch left open
 *   at the end is closed with an ABORT record before anything new is
 *   appended, so it can never merge with a later commit's records
 *        |
 *   open the log for appending where the valid log ends; checkpoint every
 *   redone database as clean and close it; rewrite the checkpoint file
 *
 * Recovery changes nothing durable until the final per-database checkpoint,
 * whose header write is atomic (two header copies), so a crash during
 * recovery leaves the same starting point and recovering twice gives the
 * same state. A torn last record is the end of the log; corruption before
 * the end, or a missing generation, fails JetInit and leaves the databases
 * dirty.
 */
#include <stdio.h>

#include "engine_int.h"

static JET_ERR start_new_sequence(jinst *inst)
{
	JET_ERR err = JET_errSuccess;
	uint32_t first = 0, last = 0;
	eng_new_log_signature(inst);
	Call(jlog_generations(&inst->lp, &first, &last));
	Call(jlog_open(&inst->lp, LSN_MAKE(last + 1, LOG_FILE_HEADER_SIZE), &inst->log));
	pthread_mutex_lock(&inst->commit_lock);
	err = eng_chk_write(inst);
	pthread_mutex_unlock(&inst->commit_lock);
HandleError:
	return err;
}

static void raise_objid(jdb *db, uint32_t objid)
{
	uint32_t cur = atomic_load(&db->next_objid);
	while (cur <= objid && !atomic_compare_exchange_weak(&db->next_objid, &cur, objid + 1))
		;
}

static JET_ERR apply_record(jsess *rs, jdb *db, const logrec *lr)
{
	JET_ERR err;
	if (eng_txn_level(rs) == 0)
		CallR(eng_txn_begin(rs, false));
	switch (lr->type) {
	case LOGREC_PUT:
		return eng_put(rs, db, lr->objid, lr->key, lr->cbKey, lr->val, lr->cbVal, 0);
	case LOGREC_DEL:
		err = eng_del(rs, db, lr->objid, lr->key, lr->cbKey);
		return err == JET_errRecordNotFound ? JET_errDatabaseCorrupted : err;
	case LOGREC_CREATE:
		raise_objid(db, lr->objid);
		return txn_create_tree_with_objid(rs, db, lr->objid);
	case LOGREC_DROP:
		return eng_tree_drop(rs, db, lr->objid);
	case LOGREC_TREEINFO:
		return txn_set_tree_info(rs, db, lr->objid, lr->counter, lr->changed_ns, lr->modifications);
	default:
		return JET_errLogFileCorrupt;
	}
}

JET_ERR eng_recover(jinst *inst)
{
	JET_ERR err = JET_errSuccess;
	chk_data chk;
	bool found = false;
	jdb *redo[ENG_MAX_DBS] = {0};
	int nredo = 0;
	jlog_reader *r = NULL;
	jsess *rs = NULL;
	jet_lsn end = 0;

	Call(eng_chk_read(inst, &chk, &found));
	if (!found)
		return start_new_sequence(inst);
	memcpy(inst->log_signature, chk.signature, 16);
	memcpy(inst->lp.signature, chk.signature, 16);
	inst->chk_seq = chk.seq;

	for (uint32_t i = 0; i < chk.ndbs; i++) {
		jdb *db = NULL;
		/* A relative path (a restored backup's checkpoint file) is
		 * relative to the checkpoint file's folder. */
		char path[2200];
		if (chk.dbs[i].path[0] == '/')
			snprintf(path, sizeof(path), "%s", chk.dbs[i].path);
		else
			eng_path_join(path, sizeof(path), inst->p.system_path, chk.dbs[i].path);
		err = eng_db_open_file(inst, path, false, &db);
		if (err == JET_errFileNotFound && inst->init_grbit & JET_bitReplayIgnoreMissingDB) {
			/* Asked to go on without it (ESE's grbit): its changes in
			 * the log are skipped and it leaves the checkpoint file. */
			err = JET_errSuccess;
			continue;
		}
		/* A database the log may hold changes for is missing: stop
		 * rather than forget it (ESE does the same), so recovery can
		 * still run once the file is back. */
		Call(err);
		if (db->hdr.state != JET_dbstateDirtyShutdown ||
		    memcmp(db->hdr.signature, chk.dbs[i].signature, 16) != 0 ||
		    chk.dbs[i].slot >= ENG_MAX_DBS || redo[chk.dbs[i].slot]) {
			eng_db_close_file(db);
			continue;
		}
		db->slot = chk.dbs[i].slot;
		redo[db->slot] = db;
		inst->dbs[db->slot] = db;
		nredo++;
	}

	err = jlog_reader_open(&inst->lp, chk.recovery_lsn, &r);
	if ((err == JET_errFileNotFound || err == JET_errMissingLogFile) && nredo == 0) {
		err = start_new_sequence(inst);
		goto HandleError;
	}
	Call(err);
	Call(eng_sess_begin_internal(inst, true, &rs));
	bool batch_open = false; /* change records since the last COMMIT/ABORT */
	for (;;) {
		jlog_record rec;
		logrec lr;
		err = jlog_reader_next(r, &rec);
		if (err == JET_errNoCurrentRecord) {
			err = JET_errSuccess;
			break;
		}
		Call(err);
		Call(logrec_decode(rec.type, rec.payload, rec.cb, &lr));
		batch_open = lr.type != LOGREC_COMMIT && lr.type != LOGREC_ABORT;
		switch (lr.type) {
		case LOGREC_COMMIT:
			/* A commit whose changes cancelled out logs no change
			 * records, so replay may lag the logged version numbers;
			 * it can never be ahead of them. */
			if (eng_txn_level(rs) > 0) {
				Call(eng_txn_commit(rs, 0));
				for (unsigned i = 0; i < lr.ndbs; i++) {
					jdb *db = lr.dbs[i].slot < ENG_MAX_DBS ? redo[lr.dbs[i].slot] : NULL;
					if (db && rec.lsn >= db->hdr.ckpt_lsn &&
					    db->current->ver > lr.dbs[i].version)
						Error(JET_errDatabaseCorrupted);
				}
				if (JET_CRASH_POINT("recovery.mid_redo"))
					Error(JET_errDiskIO);
			}
			break;
		case LOGREC_ABORT:
			if (eng_txn_level(rs) > 0)
				Call(eng_txn_rollback(rs, true));
			break;
		default: {
			jdb *db = lr.slot < ENG_MAX_DBS ? redo[lr.slot] : NULL;
			if (!db || rec.lsn < db->hdr.ckpt_lsn)
				break;
			Call(apply_record(rs, db, &lr));
		}
		}
	}
	if (eng_txn_level(rs) > 0)
		Call(eng_txn_rollback(rs, true)); /* the torn batch never committed */
	end = jlog_reader_end(r);
	jlog_reader_close(r);
	r = NULL;
	Call(eng_sess_end(rs));
	rs = NULL;
	Call(jlog_open(&inst->lp, end, &inst->log));
	if (batch_open) {
		/* The log ends inside a batch whose commit never happened. Close
		 * it before anything is appended, or the next recovery would
		 * read it and the next commit's records as one batch and replay
		 * half a transaction. */
		Call(logrec_abort(inst->log));
		Call(jlog_flush(inst->log, jlog_end(inst->log)));
	}
	if (JET_CRASH_POINT("recovery.before_checkpoint"))
		Error(JET_errDiskIO);
	for (int i = 0; i < ENG_MAX_DBS; i++) {
		jdb *db = redo[i];
		if (!db)
			continue;
		pthread_mutex_lock(&db->ckpt_lock);
		err = eng_db_checkpoint_locked(db, true);
		pthread_mutex_unlock(&db->ckpt_lock);
		Call(err);
	}
	for (int i = 0; i < ENG_MAX_DBS; i++) {
		if (redo[i]) {
			inst->dbs[i] = NULL;
			eng_db_close_file(redo[i]);
			redo[i] = NULL;
		}
	}
	pthread_mutex_lock(&inst->commit_lock);
	err = eng_chk_write(inst);
	pthread_mutex_unlock(&inst->commit_lock);
	return err;

HandleError:
	if (rs)
		(void)eng_sess_end(rs);
	if (r)
		jlog_reader_close(r);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (redo[i]) {
			inst->dbs[i] = NULL;
			eng_db_close_file(redo[i]);
		}
	if (err < 0 && inst->log) {
		jlog_close(inst->log);
		inst->log = NULL;
	}
	return err;
}
