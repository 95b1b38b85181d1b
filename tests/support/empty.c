/* Keeps the support library non-empty before any helper exists. */
typedef int axn_test_support_empty;
