package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/region"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseCommand("migrate", "yingji migrate [flags]", args, stderr, false, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.close()
	have, known, err := a.db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s (%s) is at schema version %d of %d\n", a.db.DSN, a.db.Dialect(), have, known)
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var reload *bool
	cfg, err := parseCommand("demo", "yingji demo [--reload] [flags]", args, stderr, false, func(fs *flag.FlagSet) {
		reload = fs.Bool("reload", false, "delete the demo records (names ending in "+demo.Marker+") first, then load them again")
	})
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.close()
	sys := core.WithActor(ctx, core.SystemActor)
	if *reload {
		n, err := a.db.DeleteByNameSuffix(sys, demo.Marker)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %d demo records\n", n)
	}
	sum, err := demo.Load(sys, a.registry, a.tree.Load(), demo.DefaultSeed)
	if err != nil {
		return fmt.Errorf("load demo data (use --reload to replace existing demo records): %w", err)
	}
	if err := a.db.SetSetting(sys, "demo_loaded", time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "loaded:", sum.String())
	return nil
}

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const synopsis = `yingji user add NAME --role ROLE --division CODE [--enterprise ID] [--display-name N]
       yingji user passwd NAME
       yingji user disable NAME
       yingji user list
The password is read from YINGJI_PASSWORD, or from standard input (one line).`
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage:", synopsis)
		return errors.New("user: say add, passwd, disable or list")
	}
	sub := args[0]
	fs, cfg := commonFlags("user "+sub, synopsis, stderr)
	role := fs.String("role", "viewer", "role: "+roleNames())
	division := fs.String("division", "", "division code the account is scoped to (default: the whole region)")
	enterprise := fs.Int64("enterprise", 0, "enterprise ID (enterprise users)")
	display := fs.String("display-name", "", "display name")
	if err := cfg.parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.close()
	sys := core.WithActor(ctx, core.SystemActor)
	name := ""
	if len(cfg.Args) > 0 {
		name = cfg.Args[0]
	}
	if sub != "list" && name == "" {
		return fmt.Errorf("user %s: name the account", sub)
	}
	switch sub {
	case "list":
		users, err := a.auth.ListUsers(sys)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tDIVISION\tENTERPRISE\tDISABLED\tNAME")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%v\t%s\n", u.ID, u.Username, u.Role, u.Division, u.EnterpriseID, u.Disabled, u.DisplayName)
		}
		return tw.Flush()
	case "add":
		if *division == "" {
			*division = a.tree.Load().Root().Code
		}
		pw, err := readPassword(stderr)
		if err != nil {
			return err
		}
		u, err := a.auth.CreateUser(sys, auth.UserInput{Username: name, DisplayName: *display, Password: pw, Role: *role, Division: *division, EnterpriseID: *enterprise})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s (id %d, role %s, division %s)\n", u.Username, u.ID, u.Role, u.Division)
		return nil
	case "passwd":
		pw, err := readPassword(stderr)
		if err != nil {
			return err
		}
		if err := a.auth.SetPassword(sys, name, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions were ended\n", name)
		return nil
	case "disable":
		u, err := a.db.UserByName(sys, name)
		if err != nil {
			return err
		}
		yes := true
		if _, err := a.auth.UpdateUser(sys, u.ID, auth.UserInput{Disabled: &yes}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled %s and revoked its tokens\n", name)
		return nil
	}
	return fmt.Errorf("user: unknown subcommand %q (add, passwd, disable, list)", sub)
}

func readPassword(stderr io.Writer) (string, error) {
	if pw := os.Getenv("YINGJI_PASSWORD"); pw != "" {
		return pw, nil
	}
	fmt.Fprint(stderr, "password: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password given (set YINGJI_PASSWORD or type it on standard input)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func cmdDivisions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: yingji divisions import FILE.csv [--boundaries FILE.geojson]")
	}
	fs, cfg := commonFlags("divisions import", "yingji divisions import FILE.csv [--boundaries FILE.geojson] [flags]", stderr)
	boundaries := fs.String("boundaries", "", "GeoJSON FeatureCollection of division boundaries (property code)")
	if err := cfg.parse(fs, args[1:]); err != nil {
		return err
	}
	if len(cfg.Args) != 1 {
		return errors.New("divisions import: name one CSV file (header code,name,level,parent_code)")
	}
	f, err := os.Open(cfg.Args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	divs, err := region.ParseCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.Args[0], err)
	}
	var bdata []byte
	if *boundaries != "" {
		if bdata, err = os.ReadFile(*boundaries); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.close()
	ins, upd, err := a.Import(core.WithActor(ctx, core.SystemActor), divs, bdata)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "divisions: %d inserted, %d updated\n", ins, upd)
	return nil
}

// roleNames lists the built-in roles for the help text.
func roleNames() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}
