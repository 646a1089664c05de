package salesforce

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// UserInfo is what getUserInfo says of the org (SOAP API Developer Guide,
// "GetUserInfoResult").
type UserInfo struct {
	OrganizationID   string `xml:"organizationId"`
	MultiCurrency    bool   `xml:"organizationMultiCurrency"`
	OrgCurrency      string `xml:"orgDefaultCurrencyIsoCode"` // single-currency orgs only
	UserCurrency     string `xml:"userDefaultCurrencyIsoCode"`
	CurrencySymbol   string `xml:"currencySymbol"`
	OrganizationName string `xml:"organizationName"`
	UserName         string `xml:"userName"`
}

// UserInfo calls the partner SOAP API's getUserInfo: the only place a
// single-currency org says which currency it uses (REST has no such
// resource). The access token is the SOAP session id.
func (c *Client) UserInfo(ctx context.Context) (*UserInfo, error) {
	const path = "/services/Soap/u/"
	call := func(tok *Token) (*UserInfo, int, error) {
		var env bytes.Buffer
		env.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader><urn:sessionId>`)
		xml.EscapeText(&env, []byte(tok.AccessToken))
		env.WriteString(`</urn:sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:getUserInfo/></soapenv:Body></soapenv:Envelope>`)
		ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, tok.InstanceURL+path+c.version, &env)
		if err != nil {
			return nil, 0, fmt.Errorf("salesforce: getUserInfo: %w", err)
		}
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		req.Header.Set("SOAPAction", `""`)
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, 0, fmt.Errorf("salesforce: getUserInfo: %w: %v", errTransport, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, 0, fmt.Errorf("salesforce: getUserInfo: %w: %v", errTransport, err)
		}
		var out struct {
			Result *UserInfo `xml:"Body>getUserInfoResponse>result"`
			Fault  *struct {
				Code   string `xml:"faultcode"`
				String string `xml:"faultstring"`
			} `xml:"Body>Fault"`
		}
		if err := xml.Unmarshal(data, &out); err != nil || out.Result == nil && out.Fault == nil {
			return nil, resp.StatusCode, decodeAPIError(http.MethodPost, path, resp.StatusCode, data)
		}
		if out.Fault != nil {
			_, code, _ := strings.Cut(out.Fault.Code, ":")
			return nil, resp.StatusCode, &APIError{Method: http.MethodPost, Path: path, HTTPStatus: resp.StatusCode,
				Errors: []ErrorDetail{{ErrorCode: code, Message: out.Fault.String}}}
		}
		return out.Result, resp.StatusCode, nil
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	info, _, err := call(tok)
	if api, ok := err.(*APIError); ok && api.HasCode("INVALID_SESSION_ID") {
		if tok, err = c.renew(ctx, tok); err != nil {
			return nil, err
		}
		info, _, err = call(tok)
	}
	return info, err
}
