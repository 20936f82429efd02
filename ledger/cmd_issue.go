package ledger

import "github.com/ingot-cbdc/ingot"

// mintCmd issues money: the central bank's issuance account pays an
// operator's reserve. Only the central bank mints.
type mintCmd struct {
	issuance, reserve int64
	amount            int64
	currency          string
}

func (c *mintCmd) locks(ls *lockSet) { ls.account(c.issuance, c.reserve) }

func (c *mintCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	iss, res, err := s.issuanceAndReserve(a, c.issuance, c.reserve)
	if err != nil {
		return nil, err
	}
	return s.move(ingot.KindMint, iss, res, c.amount, c.currency, "", "")
}

// burnCmd redeems money: an operator's reserve pays the issuance account
// back. Only the central bank burns.
type burnCmd struct {
	reserve, issuance int64
	amount            int64
	currency          string
}

func (c *burnCmd) locks(ls *lockSet) { ls.account(c.reserve, c.issuance) }

func (c *burnCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	iss, res, err := s.issuanceAndReserve(a, c.issuance, c.reserve)
	if err != nil {
		return nil, err
	}
	return s.move(ingot.KindBurn, res, iss, c.amount, c.currency, "", "")
}

// issuanceAndReserve are the two sides of a mint or a burn, which only the
// central bank makes: the issuance account and a reserve.
func (s *state) issuanceAndReserve(a ingot.Actor, issuance, reserve int64) (*ingot.Account, *ingot.Account, error) {
	if a.Role != ingot.RoleCentralBank {
		return nil, nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank issues and redeems")
	}
	iss, res := s.accounts[issuance], s.accounts[reserve]
	if iss == nil || iss.Kind != ingot.AccountIssuance || res == nil || res.Kind != ingot.AccountReserve {
		return nil, nil, ingot.Errorf(ingot.CodeInternal, "a mint or burn between accounts that are not the issuance account and a reserve")
	}
	return iss, res, nil
}
