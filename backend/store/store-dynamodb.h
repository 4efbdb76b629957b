/* DynamoDB store extras for tests and benchmarks (store-dynamodb.c). */
#ifndef MT_STORE_DYNAMODB_H
#define MT_STORE_DYNAMODB_H

struct store;
struct aws_client;

/* The AWS client of a store opened by store_dynamodb_open (borrowed; its
 * per-target counters count every DynamoDB request the store makes), or
 * NULL when s is not a DynamoDB store. */
struct aws_client *store_dynamodb_client(struct store *s);

/* The table name of a DynamoDB store (borrowed), or NULL. */
const char *store_dynamodb_table(struct store *s);

/* Deletes the store's table (tests and benchmarks only). 0 or MT_E*. */
int store_dynamodb_drop_table(struct store *s);

#endif
