package jobstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The table's layout. Its key is the pool (partition) and the JobId
// (sort), so that a pool's jobs are one Query, newest first since JobIds
// sort by time, and no index is needed. Every other attribute is written by
// item and read by record below:
//
//	Type, Status, Filter, Format, GroupName, Source    S
//	CreatedAt, StartedAt, EndedAt, EstimatedEndAt      S, RFC 3339 UTC
//	Scanned, Matched, Done, Failed, Skipped, Rate      N
//	Failures                                           L of M {Username, Code, Message}
//	Checkpoint                                         M {Phase, PageToken, PageDone (L of S), Data}
//	LeaseOwner, LeaseToken                             S, while leased
//	LeaseExpiresAt                                     N, Unix milliseconds, while leased

// TableDefinition is the table EnsureTable creates, for a test that holds
// template.yaml's table to it.
func TableDefinition(table string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PoolId"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("JobId"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PoolId"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("JobId"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
}

// EnsureTable creates the table when it is missing, and waits until it is
// ready, so that local mode needs no setup step. In AWS, template.yaml
// declares the table and this only describes it.
func (s *Store) EnsureTable(ctx context.Context) error {
	_, err := s.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &s.table})
	var missing *types.ResourceNotFoundException
	if err == nil || !errors.As(err, &missing) {
		if err != nil {
			return fmt.Errorf("jobstore: describe table %s: %w", s.table, err)
		}
		return s.waitActive(ctx)
	}
	_, err = s.client.CreateTable(ctx, TableDefinition(s.table))
	// Another process (a second local worker) may have created it first.
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("jobstore: create table %s: %w", s.table, err)
	}
	return s.waitActive(ctx)
}

// waitActive waits for the table to be ACTIVE, polling faster than the
// SDK's default of 20 seconds, which suits AWS's minutes rather than a
// local table's instant.
func (s *Store) waitActive(ctx context.Context) error {
	waiter := dynamodb.NewTableExistsWaiter(s.client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 200 * time.Millisecond
		o.MaxDelay = 5 * time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &s.table}, 5*time.Minute); err != nil {
		return fmt.Errorf("jobstore: wait for table %s: %w", s.table, err)
	}
	return nil
}

func key(poolID, jobID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PoolId": str(poolID), "JobId": str(jobID)}
}

func str(s string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: s} }

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func millis(t time.Time) *types.AttributeValueMemberN { return number(t.UnixMilli()) }

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// item is a new job's record.
func item(job Job) map[string]types.AttributeValue {
	it := key(job.PoolID, job.JobID)
	it["Type"] = str(job.Type)
	it["Status"] = str(string(job.Status))
	it["CreatedAt"] = str(timestamp(job.CreatedAt))
	for name, value := range map[string]string{"Filter": job.Filter, "Format": job.Format, "GroupName": job.GroupName, "Source": job.Source} {
		if value != "" {
			it[name] = str(value)
		}
	}
	for name, n := range counters(job.Counts) {
		it[name] = number(n)
	}
	it["Checkpoint"] = checkpointValue(job.Checkpoint)
	return it
}

func counters(c Counts) map[string]int64 {
	return map[string]int64{"Scanned": c.Scanned, "Matched": c.Matched, "Done": c.Done, "Failed": c.Failed, "Skipped": c.Skipped}
}

func checkpointValue(c Checkpoint) *types.AttributeValueMemberM {
	done := make([]types.AttributeValue, len(c.PageDone))
	for i, username := range c.PageDone {
		done[i] = str(username)
	}
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"Phase":     str(c.Phase),
		"PageToken": str(c.PageToken),
		"PageDone":  &types.AttributeValueMemberL{Value: done},
		"Data":      str(c.Data),
	}}
}

func failuresValue(failures []Failure) *types.AttributeValueMemberL {
	list := make([]types.AttributeValue, len(failures))
	for i, f := range failures {
		list[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"Username": str(f.Username), "Code": str(f.Code), "Message": str(f.Message),
		}}
	}
	return &types.AttributeValueMemberL{Value: list}
}

// record reads a job's item; an attribute of the wrong type is an error,
// since only this package writes the table.
func record(it map[string]types.AttributeValue) (Job, error) {
	r := reader{item: it}
	job := Job{
		PoolID:    r.str("PoolId"),
		JobID:     r.str("JobId"),
		Type:      r.str("Type"),
		Status:    Status(r.str("Status")),
		Filter:    r.str("Filter"),
		Format:    r.str("Format"),
		GroupName: r.str("GroupName"),
		Source:    r.str("Source"),
		Counts: Counts{
			Scanned: r.integer("Scanned"), Matched: r.integer("Matched"), Done: r.integer("Done"),
			Failed: r.integer("Failed"), Skipped: r.integer("Skipped"),
		},
		Rate:           r.float("Rate"),
		CreatedAt:      r.time("CreatedAt"),
		StartedAt:      r.time("StartedAt"),
		EndedAt:        r.time("EndedAt"),
		EstimatedEndAt: r.time("EstimatedEndAt"),
		Failures:       []Failure{},
	}
	if list, ok := it["Failures"].(*types.AttributeValueMemberL); ok {
		for _, v := range list.Value {
			m, _ := v.(*types.AttributeValueMemberM)
			if m == nil {
				r.wrong("Failures")
				continue
			}
			f := reader{item: m.Value}
			job.Failures = append(job.Failures, Failure{Username: f.str("Username"), Code: f.str("Code"), Message: f.str("Message")})
			r.err = errors.Join(r.err, f.err)
		}
	}
	if m, ok := it["Checkpoint"].(*types.AttributeValueMemberM); ok {
		c := reader{item: m.Value}
		job.Checkpoint = Checkpoint{Phase: c.str("Phase"), PageToken: c.str("PageToken"), Data: c.str("Data")}
		if done, ok := m.Value["PageDone"].(*types.AttributeValueMemberL); ok {
			for _, v := range done.Value {
				username, _ := v.(*types.AttributeValueMemberS)
				if username == nil {
					c.wrong("PageDone")
					continue
				}
				job.Checkpoint.PageDone = append(job.Checkpoint.PageDone, username.Value)
			}
		}
		r.err = errors.Join(r.err, c.err)
	}
	if r.err != nil {
		return Job{}, fmt.Errorf("jobstore: job %s: %w", job.JobID, r.err)
	}
	return job, nil
}

// reader reads an item's attributes, an absent one as its zero value, and
// collects the errors.
type reader struct {
	item map[string]types.AttributeValue
	err  error
}

func (r *reader) wrong(name string) {
	r.err = errors.Join(r.err, fmt.Errorf("attribute %s has an unexpected type", name))
}

func (r *reader) str(name string) string {
	v, ok := r.item[name]
	if !ok {
		return ""
	}
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		r.wrong(name)
		return ""
	}
	return s.Value
}

func (r *reader) number(name string) string {
	v, ok := r.item[name]
	if !ok {
		return ""
	}
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		r.wrong(name)
		return ""
	}
	return n.Value
}

func (r *reader) integer(name string) int64 {
	text := r.number(name)
	if text == "" {
		return 0
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		r.wrong(name)
	}
	return n
}

func (r *reader) float(name string) float64 {
	text := r.number(name)
	if text == "" {
		return 0
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		r.wrong(name)
	}
	return f
}

func (r *reader) time(name string) time.Time {
	text := r.str(name)
	if text == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		r.wrong(name)
	}
	return t
}
