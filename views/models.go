// Package views holds the admin's templ components and the view models
// they render. View models are shaped like the screen; views import no store.
package views

// Page is what every admin page's chrome needs.
type Page struct {
	Title    string
	Menu     string // "sales" or "salesforce": the rail item shown active
	User     string
	CSRF     string
	Messages []Message
	Static   func(name string) string // cache-busted URL of a static file
	// What the admin's role allows: the rail shows only these.
	CanSales, CanConfig bool
}

// Message is a flash message.
type Message struct {
	Kind string // success, error, warning, notice
	Text string
}

// Label is the word for the message's kind, said in text as well as colour.
func (m Message) Label() string {
	switch m.Kind {
	case "error":
		return "Error"
	case "warning":
		return "Warning"
	case "notice":
		return "Notice"
	}
	return "Success"
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// Column is one header of a grid.
type Column struct {
	Label    string
	SortURL  string // "" = not sortable
	AriaSort string // ascending, descending or none
}

// Pager is a grid's paging state.
type Pager struct {
	Page, Pages int
	About       bool // the count is the database's estimate
	Size        int
	Sizes       []Option
	PrevURL     string // "" on the first page
	NextURL     string // "" on the last page
	Hidden      []Hidden
}

// Hidden is a hidden form field that carries grid state.
type Hidden struct{ Name, Value string }

// SyncMark is an order's Salesforce sync status as the grid shows it.
type SyncMark struct {
	State string `json:"state"` // in_sync, not_in_sync, pending, error
	Label string `json:"label"` // "In sync", …
	Title string `json:"title"` // hover text: the error or why
}

// GridRow is one order in the orders grid.
type GridRow struct {
	ID            uint32
	IncrementID   string
	PurchasePoint string // the store view, on one line
	PurchasePath  string // website / store / store view, for hover
	PurchaseDate  string
	BillTo        string
	ShipTo        string
	BaseTotal     string
	Total         string
	Status        string
	Sync          SyncMark
	SFID          string
	SFURL         string
	ViewURL       string
	SyncURL       string
}

// GridView is the Sales › Orders page.
type GridView struct {
	Page
	Rows     []GridRow
	Total    int
	Columns  []Column
	Keyword  string
	Statuses []Option
	Sync     []Option
	From, To string
	// Grand Total ranges and the Purchase Point, as typed and chosen.
	BaseTotalFrom, BaseTotalTo, TotalFrom, TotalTo string
	StoreViews                                     []Option
	Pager                                          Pager
	State                                          []Hidden // the grid's filters, carried by the mass action
	Filtered                                       bool
	ClearURL                                       string
	HereURL                                        string // the grid as it is: Cancel returns to it
	Chips                                          []Chip // the active filters
	// The admin's columns: Show by key; ColumnChoices for the Columns control.
	Show          map[string]bool
	ColumnChoices []Option
}

// Chip is an active filter, with the link that removes it.
type Chip struct{ Label, RemoveURL string }

// OrderItem is one item on the order page.
type OrderItem struct {
	Name, SKU, Options, Status, OriginalPrice, Price, Qty, Subtotal, Tax, TaxPercent, Discount, RowTotal string
}

// OrderComment is one comment of the order's history.
type OrderComment struct {
	Date, Status, Text, Kind string
	Notified                 bool
}

// IDField is an editable Salesforce ID on the order's Salesforce tab.
type IDField struct {
	Name, Label, Value, URL, Error string
}

// OrderView is an order's page.
type OrderView struct {
	Page
	ID                uint32
	IncrementID       string
	Tab               string // "info" or "salesforce"
	BackURL           string // the grid as the admin left it
	HereURL           string // this tab: where Salesforce Sync comes back to
	InfoURL, SFTabURL string
	HistoryURL        string
	SyncURL, SaveURL  string
	Date, Status      string
	PurchasedFrom     string
	Customer          string
	CustomerEmail     string
	CustomerGroup     string
	Billing, Shipping []string
	Payment, Shipment string
	Items             []OrderItem
	Totals            []Hidden // label, amount
	Comments          []OrderComment
	Sync              SyncMark
	LastSync          string
	QueueStatus       string
	QueueMessage      string
	IDs               []IDField
}

// ConfigField is a setting row on the configuration page.
type ConfigField struct {
	Name      string // form field name
	Label     string
	Note      string
	Value     string
	Options   []Option
	UseSystem bool   // "Use system value" (or "Use Default") ticked
	Inherit   string // that checkbox's label
	Error     string
}

// StatusMapRow is one Magento status's Salesforce status on the config page.
type StatusMapRow struct {
	Code, Label string
	Options     []Option
	Field       string
}

// ConfigView is Salesforce › Orders › Order Configuration.
type ConfigView struct {
	Page
	// Scopes are Default Config and each website, the shown one selected;
	// Website is its id ("" for Default Config).
	Scopes                                                          []Option
	Website                                                         string
	Automatic, ZeroTotal, Notes, UpdateInfo, DefaultStatus, SyncAll ConfigField
	OtherCurrency, PriceBook                                        ConfigField
	Statuses                                                        []Option
	StatusesUseSystem                                               bool
	StatusesError                                                   string
	StatusMap                                                       []StatusMapRow
	SFNotice                                                        string
	Changes                                                         []ConfigChange
}

// ConfigChange is one entry of the settings audit log.
type ConfigChange struct {
	When, Who, Scope, Setting, From, To string
}

// QueueRow is one queue entry on the queue page.
type QueueRow struct {
	ID                                           uint64
	OrderURL, IncrementID, Reason, Status        string
	Message, Attempts, Created, Updated, NextRun string
}

// QueueView is Salesforce › Queues › From Magento.
type QueueView struct {
	Page
	Rows     []QueueRow
	Total    int
	Status   []Option
	Reason   []Option
	Order    string
	Pager    Pager
	Progress ProgressView
	Pause    string
	Chart    QueueChart
}

// QueueChart is the queue's last hour: a bar per minute of entries
// finished, and a line of entries open.
type QueueChart struct {
	Bars    []ChartBar
	Line    string // SVG points of the open entries
	Summary string // the chart in words
	Axis    []ChartLabel
}

// ChartBar is one minute's bar; the numbers are SVG user units.
type ChartBar struct {
	X, Y, W, H string
	Title      string
}

// ChartLabel is a time under the chart.
type ChartLabel struct{ X, Text string }

// ProgressView is the live progress of a bulk sync.
type ProgressView struct {
	Running     bool
	Done, Total int
	Counts      string
	About       bool // the counts are estimates
}

// ConnectionView is Salesforce › Configuration › Connection.
type ConnectionView struct {
	Page
	LoginURL, ClientID, Username, APIVersion string
	KeyPrefix                                string // external-id prefix of this store
	Flows                                    []Option
	HasSecret, HasPassword, HasKey           bool
	Overrides                                []string
	Errors                                   map[string]string
}

// LoginView is the sign-in page.
type LoginView struct {
	Static   func(string) string
	CSRF     string
	Username string
	Error    string
	Notice   string
}

// ConfirmView asks before an action that cannot be undone.
type ConfirmView struct {
	Page
	Action, Question, Detail, Confirm, CancelURL string
	Fields                                       []Hidden
}

// MappingView is a Fields Mapping page: what magesync writes, the admin's
// mappings, and the form to add or change one.
type MappingView struct {
	Page
	Tab, Object, OrgNotice string
	Defaults               []MappingDefault
	Rows                   []MappingRow
	SaveURL, FormTitle     string
	EditID                 string
	Sources, Targets       []Option
	When, TooLong          []Option
	Enabled                bool
	Errors                 map[string]string
	Preview                []MappingPreview
}

// MappingDefault is a field magesync writes itself.
type MappingDefault struct{ Target, Source string }

// MappingRow is one of the admin's mappings.
type MappingRow struct {
	Source, Target, When, TooLong, Enabled string
	Problem                                string // the field the org lacks, say
	EditURL, DeleteURL                     string
}

// MappingPreview is what a mapping would send for one order.
type MappingPreview struct{ Order, Raw, Sent, Problem string }
