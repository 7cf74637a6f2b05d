"""Azure service limits config validation checks (no provider SDK import: checks.py loads this module)."""

# Largest vector an index takes: AI Search vector fields and Cosmos DB diskANN / quantizedFlat vector indexes
# both stop at 4096 dimensions. https://learn.microsoft.com/azure/search/vector-search-index-size and
# https://learn.microsoft.com/azure/cosmos-db/nosql/vector-search
MAX_VECTOR_DIMENSIONS = 4096
