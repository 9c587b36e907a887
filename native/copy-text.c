/*
 * copy_text(data): a SQLite table-valued function over PostgreSQL's COPY text output, so that
 * `mailtrail sync` inserts whole chunks of COPY rows in one statement, parsed here rather than
 * field by field in JavaScript (src-main/sync/copy-text.ts reads the same format; tests hold the
 * two to the same rows).
 *
 *   INSERT INTO t SELECT c0, c1, ... FROM copy_text(?)
 *
 * `data` is text or a blob of complete lines, each ending in a newline. Every field comes back as
 * text, with COPY's backslash escapes undone; `\N` is NULL, as are the columns past a line's last
 * field. Lines have at most 16 fields; further ones are dropped.
 *
 * Built by scripts/build-native.mjs; loaded by better-sqlite3's loadExtension.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <string.h>

#define COLUMNS 16
#define DATA_COLUMN COLUMNS

typedef struct {
  sqlite3_vtab base;
} CopyVtab;

typedef struct {
  sqlite3_vtab_cursor base;
  char *data;   /* a private copy of the argument: argv values live only for xFilter */
  int size;
  int pos;      /* start of the current line; the cursor is at its end when pos >= size */
  int next;     /* start of the line after it */
  sqlite3_int64 row;
  int fields;
  int start[COLUMNS];
  int end[COLUMNS];
  char escaped[COLUMNS];
  char *scratch;
  int scratchSize;
} CopyCursor;

static int copyConnect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **error) {
  (void)aux; (void)argc; (void)argv; (void)error;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, data HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  CopyVtab *vtab = sqlite3_malloc(sizeof(*vtab));
  if (!vtab) return SQLITE_NOMEM;
  memset(vtab, 0, sizeof(*vtab));
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *out = &vtab->base;
  return SQLITE_OK;
}

static int copyDisconnect(sqlite3_vtab *vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

/* The only plan: the data argument given as an equality on the hidden column. */
static int copyBestIndex(sqlite3_vtab *vtab, sqlite3_index_info *info) {
  int data = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *constraint = &info->aConstraint[i];
    if (constraint->iColumn != DATA_COLUMN || constraint->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!constraint->usable) return SQLITE_CONSTRAINT;
    data = i;
  }
  if (data < 0) {
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = sqlite3_mprintf("copy_text needs its data argument: copy_text(?)");
    return SQLITE_ERROR;
  }
  info->aConstraintUsage[data].argvIndex = 1;
  info->aConstraintUsage[data].omit = 1;
  info->estimatedCost = 1000;
  return SQLITE_OK;
}

static int copyOpen(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
  (void)vtab;
  CopyCursor *cursor = sqlite3_malloc(sizeof(*cursor));
  if (!cursor) return SQLITE_NOMEM;
  memset(cursor, 0, sizeof(*cursor));
  *out = &cursor->base;
  return SQLITE_OK;
}

static int copyClose(sqlite3_vtab_cursor *base) {
  CopyCursor *cursor = (CopyCursor *)base;
  sqlite3_free(cursor->data);
  sqlite3_free(cursor->scratch);
  sqlite3_free(cursor);
  return SQLITE_OK;
}

/* Finds the fields of the line at pos: tabs end fields, newlines end lines (COPY escapes both inside values). */
static void splitLine(CopyCursor *cursor) {
  const char *data = cursor->data;
  int i = cursor->pos;
  int field = 0;
  cursor->start[0] = i;
  cursor->escaped[0] = 0;
  for (; i < cursor->size && data[i] != '\n'; i++) {
    if (data[i] == '\\') {
      cursor->escaped[field] = 1;
    } else if (data[i] == '\t') {
      cursor->end[field] = i;
      if (field + 1 == COLUMNS) {
        while (i < cursor->size && data[i] != '\n') i++;
        cursor->fields = COLUMNS;
        cursor->next = i + 1;
        return;
      }
      field++;
      cursor->start[field] = i + 1;
      cursor->escaped[field] = 0;
    }
  }
  cursor->end[field] = i;
  cursor->fields = field + 1;
  cursor->next = i + 1;
}

static int copyFilter(sqlite3_vtab_cursor *base, int plan, const char *planText, int argc, sqlite3_value **argv) {
  (void)plan; (void)planText;
  CopyCursor *cursor = (CopyCursor *)base;
  sqlite3_free(cursor->data);
  cursor->data = 0;
  cursor->size = 0;
  cursor->pos = 0;
  cursor->row = 0;
  if (argc < 1) return SQLITE_OK;
  int type = sqlite3_value_type(argv[0]);
  const void *bytes = type == SQLITE_BLOB ? sqlite3_value_blob(argv[0]) : type == SQLITE_TEXT ? (const void *)sqlite3_value_text(argv[0]) : 0;
  int size = sqlite3_value_bytes(argv[0]);
  if (!bytes || size <= 0) return SQLITE_OK;
  cursor->data = sqlite3_malloc(size);
  if (!cursor->data) return SQLITE_NOMEM;
  memcpy(cursor->data, bytes, size);
  cursor->size = size;
  splitLine(cursor);
  return SQLITE_OK;
}

static int copyNext(sqlite3_vtab_cursor *base) {
  CopyCursor *cursor = (CopyCursor *)base;
  cursor->pos = cursor->next;
  cursor->row++;
  if (cursor->pos < cursor->size) splitLine(cursor);
  return SQLITE_OK;
}

static int copyEof(sqlite3_vtab_cursor *base) {
  CopyCursor *cursor = (CopyCursor *)base;
  return cursor->pos >= cursor->size;
}

static int copyColumn(sqlite3_vtab_cursor *base, sqlite3_context *context, int column) {
  CopyCursor *cursor = (CopyCursor *)base;
  if (column >= cursor->fields) {
    sqlite3_result_null(context);
    return SQLITE_OK;
  }
  const char *text = cursor->data + cursor->start[column];
  int length = cursor->end[column] - cursor->start[column];
  if (!cursor->escaped[column]) {
    sqlite3_result_text(context, text, length, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  if (length == 2 && text[0] == '\\' && text[1] == 'N') {
    sqlite3_result_null(context);
    return SQLITE_OK;
  }
  if (cursor->scratchSize < length) {
    char *scratch = sqlite3_realloc(cursor->scratch, length);
    if (!scratch) return SQLITE_NOMEM;
    cursor->scratch = scratch;
    cursor->scratchSize = length;
  }
  /* COPY's escapes as PostgreSQL writes them; any other escaped byte stands for itself. */
  int k = 0;
  for (int i = 0; i < length; i++) {
    char c = text[i];
    if (c == '\\' && i + 1 < length) {
      c = text[++i];
      switch (c) {
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'v': c = '\v'; break;
        default: break;
      }
    }
    cursor->scratch[k++] = c;
  }
  sqlite3_result_text(context, cursor->scratch, k, SQLITE_TRANSIENT);
  return SQLITE_OK;
}

static int copyRowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
  *rowid = ((CopyCursor *)base)->row;
  return SQLITE_OK;
}

static sqlite3_module copyTextModule = {
  0,              /* iVersion */
  0,              /* xCreate: eponymous only, never CREATE VIRTUAL TABLE */
  copyConnect,
  copyBestIndex,
  copyDisconnect,
  0,              /* xDestroy */
  copyOpen,
  copyClose,
  copyFilter,
  copyNext,
  copyEof,
  copyColumn,
  copyRowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_copytext_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  (void)error;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_module(db, "copy_text", &copyTextModule, 0);
}
