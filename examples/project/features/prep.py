"""Builds features/matrix.csv from data/train.csv as features/pipeline.yaml says."""
import sys

import numpy as np
import pandas as pd


def build(train_csv, out_csv):
    df = pd.read_csv(train_csv)
    m = pd.DataFrame({"customer_id": df.customer_id})
    m["age_z"] = ((df.age - df.age.mean()) / df.age.std()).round(6)
    m["log_spend"] = np.log1p(df.monthly_spend).round(6)
    m["tenure_years"] = (df.tenure_months / 12).round(6)
    for plan in ("plus", "pro"):
        m["plan_" + plan] = (df.plan == plan).astype(int)
    m["label"] = df.churned
    m.to_csv(out_csv, index=False)


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])
