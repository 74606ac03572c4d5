-- TPC-H schema in Amazon Redshift DDL.
-- Column types match the Parquet files written by tpchgen-cli (keys BIGINT, money DECIMAL(15,2),
-- dates DATE, one-letter flags CHAR(1), other strings VARCHAR(n) with the TPC-H spec's lengths).
-- Distribution follows the usual Redshift layout: the two fact tables are co-located on the order
-- key, part/partsupp on the part key, customer on its key, and the small tables copied to all nodes.

CREATE TABLE region (
    r_regionkey  BIGINT       NOT NULL,
    r_name       VARCHAR(25)  NOT NULL,
    r_comment    VARCHAR(152) NOT NULL
) DISTSTYLE ALL SORTKEY (r_regionkey);

CREATE TABLE nation (
    n_nationkey  BIGINT       NOT NULL,
    n_name       VARCHAR(25)  NOT NULL,
    n_regionkey  BIGINT       NOT NULL,
    n_comment    VARCHAR(152) NOT NULL
) DISTSTYLE ALL SORTKEY (n_nationkey);

CREATE TABLE supplier (
    s_suppkey    BIGINT         NOT NULL,
    s_name       VARCHAR(25)    NOT NULL,
    s_address    VARCHAR(40)    NOT NULL,
    s_nationkey  BIGINT         NOT NULL,
    s_phone      VARCHAR(15)    NOT NULL,
    s_acctbal    DECIMAL(15,2)  NOT NULL,
    s_comment    VARCHAR(101)   NOT NULL
) DISTSTYLE ALL SORTKEY (s_suppkey);

CREATE TABLE customer (
    c_custkey    BIGINT         NOT NULL,
    c_name       VARCHAR(25)    NOT NULL,
    c_address    VARCHAR(40)    NOT NULL,
    c_nationkey  BIGINT         NOT NULL,
    c_phone      VARCHAR(15)    NOT NULL,
    c_acctbal    DECIMAL(15,2)  NOT NULL,
    c_mktsegment VARCHAR(10)    NOT NULL,
    c_comment    VARCHAR(117)   NOT NULL
) DISTSTYLE KEY DISTKEY (c_custkey) SORTKEY (c_custkey);

CREATE TABLE part (
    p_partkey     BIGINT         NOT NULL,
    p_name        VARCHAR(55)    NOT NULL,
    p_mfgr        VARCHAR(25)    NOT NULL,
    p_brand       VARCHAR(10)    NOT NULL,
    p_type        VARCHAR(25)    NOT NULL,
    p_size        INTEGER        NOT NULL,
    p_container   VARCHAR(10)    NOT NULL,
    p_retailprice DECIMAL(15,2)  NOT NULL,
    p_comment     VARCHAR(23)    NOT NULL
) DISTSTYLE KEY DISTKEY (p_partkey) SORTKEY (p_partkey);

CREATE TABLE partsupp (
    ps_partkey    BIGINT         NOT NULL,
    ps_suppkey    BIGINT         NOT NULL,
    ps_availqty   INTEGER        NOT NULL,
    ps_supplycost DECIMAL(15,2)  NOT NULL,
    ps_comment    VARCHAR(199)   NOT NULL
) DISTSTYLE KEY DISTKEY (ps_partkey) SORTKEY (ps_partkey);

CREATE TABLE orders (
    o_orderkey      BIGINT         NOT NULL,
    o_custkey       BIGINT         NOT NULL,
    o_orderstatus   CHAR(1)        NOT NULL,
    o_totalprice    DECIMAL(15,2)  NOT NULL,
    o_orderdate     DATE           NOT NULL,
    o_orderpriority VARCHAR(15)    NOT NULL,
    o_clerk         VARCHAR(15)    NOT NULL,
    o_shippriority  INTEGER        NOT NULL,
    o_comment       VARCHAR(79)    NOT NULL
) DISTSTYLE KEY DISTKEY (o_orderkey) SORTKEY (o_orderdate);

CREATE TABLE lineitem (
    l_orderkey      BIGINT         NOT NULL,
    l_partkey       BIGINT         NOT NULL,
    l_suppkey       BIGINT         NOT NULL,
    l_linenumber    INTEGER        NOT NULL,
    l_quantity      DECIMAL(15,2)  NOT NULL,
    l_extendedprice DECIMAL(15,2)  NOT NULL,
    l_discount      DECIMAL(15,2)  NOT NULL,
    l_tax           DECIMAL(15,2)  NOT NULL,
    l_returnflag    CHAR(1)        NOT NULL,
    l_linestatus    CHAR(1)        NOT NULL,
    l_shipdate      DATE           NOT NULL,
    l_commitdate    DATE           NOT NULL,
    l_receiptdate   DATE           NOT NULL,
    l_shipinstruct  VARCHAR(25)    NOT NULL,
    l_shipmode      VARCHAR(10)    NOT NULL,
    l_comment       VARCHAR(44)    NOT NULL
) DISTSTYLE KEY DISTKEY (l_orderkey) SORTKEY (l_shipdate);
