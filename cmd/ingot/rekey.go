package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

type rekeyConfig struct {
	db      string
	dataKey string
	keyID   string
	batch   int
	check   bool
}

func rekeyCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var cfg rekeyConfig
	c := &cobra.Command{
		Use:   "rekey",
		Short: "Re-seal holders' personal data with the newest data key, online",
		Long: `rekey re-seals every sealed value of the database (store.SealedColumns: holders'
names, phones, ID numbers, labels, bank account numbers and holder names, the
sandbox bank's holder names) that is not sealed with the newest data key of the
keyring (or the key of --data-key-id): it opens it with the key it names and
seals it again, under the same context, with the newest.

It runs while ingot serve runs: it reads in pages of --batch rows and writes each
page in one short transaction, changing a row only if it still holds the value
it read, so a change made meanwhile by the service wins. It is idempotent and
resumable: a second run, or a run after an interruption, re-seals only what is
left. Run it after every process serves with the new key (docs/keys.md).

With --check it changes nothing and counts, per column and key, the values not
sealed with the newest key; it exits 1 when there are any.

Values that do not open (a key missing from the keyring, a damaged row) are
counted and named, left as they are, and make rekey exit 1. Values stored in
clear by versions before sealing are counted and left as they are.

The keyring is INGOT_DATA_KEY or the key file (--data-key-file; default, as for
serve: beside the SQLite file, or ingot-data/data.key); rekey never creates one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{
				"db": "INGOT_DB", "data-key-file": "INGOT_DATA_KEY_FILE", "data-key-id": "INGOT_DATA_KEY_ID",
			}); err != nil {
				return err
			}
			return runRekey(cmd.Context(), cfg, env, stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.db, "db", defaultDB, "SQLite file path, or a postgres:// URL (env INGOT_DB)")
	f.StringVar(&cfg.dataKey, "data-key-file", "", "file of the data keys; default: beside the SQLite file, or ingot-data/data.key (env INGOT_DATA_KEY_FILE; INGOT_DATA_KEY holds the keys themselves)")
	f.StringVar(&cfg.keyID, "data-key-id", "", "re-seal with the key of this id rather than the newest (env INGOT_DATA_KEY_ID)")
	f.IntVar(&cfg.batch, "batch", 500, "rows read and re-sealed per transaction")
	f.BoolVar(&cfg.check, "check", false, "change nothing: count the values not sealed with the newest key; exit 1 when there are any")
	return c
}

func runRekey(ctx context.Context, cfg rekeyConfig, env func(string) string, stdout io.Writer) error {
	if cfg.batch < 1 {
		return errors.New("--batch must be at least 1")
	}
	if cfg.db == "" {
		return errors.New("--db is empty")
	}
	keys, err := loadKeyring(cfg.db, cfg.dataKey, cfg.keyID, env)
	if err != nil {
		return err
	}
	if !isPostgres(cfg.db) {
		// Opening a SQLite file that does not exist would create it.
		if _, err := os.Stat(cfg.db); err != nil {
			return fmt.Errorf("no database at %s: %w", cfg.db, err)
		}
	}
	st, err := openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	ss, ok := st.(store.SealedStore)
	if !ok {
		return fmt.Errorf("the %T store cannot re-seal", st)
	}
	rep, err := rekey(ctx, ss, keys, cfg.batch, cfg.check)
	if err != nil {
		return err
	}
	newest := keys.SealKeyID()
	for _, c := range rep.columns {
		switch {
		case cfg.check && c.old == 0:
			fmt.Fprintf(stdout, "%s: every value sealed with key %s%s\n", c.name, newest, c.clearNote())
		case cfg.check:
			fmt.Fprintf(stdout, "%s: %d on other keys (%s)%s\n", c.name, c.old, c.byKeyText(), c.clearNote())
		default:
			fmt.Fprintf(stdout, "%s: %d re-sealed with key %s%s%s\n", c.name, c.resealed, newest, c.changedNote(), c.clearNote())
		}
		for _, p := range c.failed {
			fmt.Fprintf(stdout, "%s: %s\n", c.name, p)
		}
	}
	switch {
	case rep.failed > 0:
		return fmt.Errorf("rekey: %d values do not open with the keyring (named above); they are left as they are", rep.failed)
	case cfg.check && rep.old > 0:
		return fmt.Errorf("rekey --check: %d values are sealed with other keys than %s: run ingot rekey", rep.old, newest)
	case cfg.check:
		fmt.Fprintf(stdout, "rekey --check: every sealed value is sealed with key %s\n", newest)
	default:
		fmt.Fprintf(stdout, "rekey: %d values re-sealed with key %s\n", rep.resealed, newest)
	}
	return nil
}

// rekeyReport is what rekey did, per column of store.SealedColumns.
type rekeyReport struct {
	columns               []*columnReport
	old, resealed, failed int
}

type columnReport struct {
	name     string
	old      int            // values sealed with another key than the newest
	byKey    map[string]int // of old, by the key they name
	resealed int            // rewritten with the newest key
	changed  int            // changed meanwhile by the service: left as written
	clear    int            // stored in clear (before sealing existed)
	failures int            // values that do not open
	failed   []string       // the first of them, named
}

// maxNamedFailures bounds the failures named per column.
const maxNamedFailures = 10

func (c *columnReport) byKeyText() string {
	names := make([]string, 0, len(c.byKey))
	for k := range c.byKey {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s: %d", k, c.byKey[k])
	}
	return strings.Join(parts, ", ")
}

func (c *columnReport) clearNote() string {
	if c.clear == 0 {
		return ""
	}
	return fmt.Sprintf("; %d stored in clear (from before sealing), left as they are", c.clear)
}

func (c *columnReport) changedNote() string {
	if c.changed == 0 {
		return ""
	}
	return fmt.Sprintf("; %d changed meanwhile by the service, left as it wrote them", c.changed)
}

// rekey goes through every sealed column: it lists the values that do not
// start with the sealing key's prefix, page by page, and (unless check)
// re-seals each page in one conditional write.
func rekey(ctx context.Context, st store.SealedStore, keys *pii.Keys, batch int, check bool) (*rekeyReport, error) {
	rep := &rekeyReport{}
	prefix := keys.SealedPrefix()
	for _, col := range store.SealedColumns {
		c := &columnReport{name: col.Name(), byKey: map[string]int{}}
		rep.columns = append(rep.columns, c)
		var after any
		for {
			page, err := st.StaleSealed(ctx, c.name, prefix, after, batch)
			if err != nil {
				return nil, err
			}
			var rs []store.Reseal
			for _, v := range page {
				name, sealed := pii.SealedWith(v.Value)
				if !sealed {
					if pii.IsSealed(v.Value) {
						c.fail(fmt.Sprintf("row %v: a malformed sealed value", rowText(v.Row)))
					} else {
						c.clear++
					}
					continue
				}
				c.old++
				c.byKey[name]++
				if check {
					continue
				}
				plain, err := keys.Open(v.Value, v.Context)
				if err != nil {
					c.fail(fmt.Sprintf("row %v: the value sealed with key %s does not open: %v", rowText(v.Row), name, err))
					continue
				}
				nv, err := keys.Seal(plain, v.Context)
				if err != nil {
					return nil, err
				}
				rs = append(rs, store.Reseal{Row: v.Row, Old: v.Value, New: nv})
			}
			n, err := st.Reseal(ctx, c.name, rs)
			if err != nil {
				return nil, err
			}
			c.resealed += n
			c.changed += len(rs) - n
			if len(page) < batch {
				break
			}
			after = page[len(page)-1].Row
		}
		rep.old += c.old
		rep.resealed += c.resealed
		rep.failed += c.failures
	}
	return rep, nil
}

func (c *columnReport) fail(what string) {
	c.failures++
	if len(c.failed) < maxNamedFailures {
		c.failed = append(c.failed, what)
	}
}

// rowText writes a row key for people: bytes in hex.
func rowText(row any) string {
	if b, ok := row.([]byte); ok {
		return fmt.Sprintf("%x", b)
	}
	return fmt.Sprint(row)
}
