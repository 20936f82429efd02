package httpapi

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot/iso20022"
	"github.com/ingot-cbdc/ingot/statement"
)

// ISO 20022 (docs/cross-border.md): a transfer as pacs.008, and pacs.008
// payments in answered by pacs.002.

// MaxISO20022Bytes is the largest pacs.008 message the API takes.
const MaxISO20022Bytes = iso20022.MaxMessageBytes

type pacs008In struct {
	Atomic  string `query:"atomic" enum:"true,false" doc:"true (the default): all transactions or none; false settles each on its own."`
	RawBody []byte `contentType:"application/xml"`
}

func (s *server) isoRoutes() {
	const tag = "ISO 20022"
	xmlOut := map[string]*huma.Response{"200": {Description: "The document", Content: map[string]*huma.MediaType{
		"application/xml": {Schema: &huma.Schema{Type: "string"}},
	}}}
	huma.Register(s.api, huma.Operation{
		OperationID: "getTransferPacs008", Method: http.MethodGet, Path: "/v1/transfers/{id}/pacs008",
		Summary: "A transfer between wallets as an ISO 20022 pacs.008.001.08 credit transfer", Tags: []string{tag}, Security: bearer,
		Responses: xmlOut,
	}, s.transferPacs008)
	huma.Register(s.api, huma.Operation{
		OperationID: "postPacs008", Method: http.MethodPost, Path: "/v1/iso20022/pacs008",
		Summary: "Pay a pacs.008.001.08 message's transactions as one batch; the answer is a pacs.002.001.10 status report", Tags: []string{tag},
		Security: bearer, MaxBodyBytes: MaxISO20022Bytes, DefaultStatus: http.StatusOK, Responses: xmlOut,
	}, s.postPacs008)
	huma.Register(s.api, huma.Operation{
		OperationID: "getTransferCamt054", Method: http.MethodGet, Path: "/v1/transfers/{id}/camt054",
		Summary: "A credit to your wallet as an ISO 20022 camt.054.001.08 notification", Tags: []string{tag}, Security: bearer,
		Responses: xmlOut,
	}, s.transferCamt054)
}

func (s *server) transferCamt054(ctx context.Context, in *idIn) (*Document, error) {
	n, err := s.svc.CreditNotification(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	var b bytes.Buffer
	if err := statement.WriteCAMT054(&b, n); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Document{ContentType: "application/xml", Body: b.Bytes()}, nil
}

func (s *server) transferPacs008(ctx context.Context, in *idIn) (*Document, error) {
	ct, err := s.svc.CreditTransfer(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	m := &iso20022.Pacs008{MsgID: ct.EndToEndID, Created: s.svc.Now(), Txs: []iso20022.CreditTransfer{ct}}
	var b bytes.Buffer
	if err := iso20022.WritePacs008(&b, m); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Document{ContentType: "application/xml", Body: b.Bytes()}, nil
}

func (s *server) postPacs008(ctx context.Context, in *pacs008In) (*Document, error) {
	m, err := iso20022.ReadPacs008(bytes.NewReader(in.RawBody))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	if err := checkIdemKey(m.MsgID); err != nil {
		return nil, s.problem(ctx, err)
	}
	atomic := in.Atomic != "false"
	rep, err := s.svc.PayPacs008(ctx, actor(ctx), m, atomic)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	var b bytes.Buffer
	if err := iso20022.WritePacs002(&b, rep); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Document{ContentType: "application/xml", Body: b.Bytes()}, nil
}
