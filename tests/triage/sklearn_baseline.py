"""The plain baseline linli's learner is compared with (BENCHMARKS.md):
character 1-3-gram TF-IDF with sublinear tf and a linear SVM, scikit-learn
defaults, scored on the very folds `linli triage eval --folds-out` wrote.

    python tests/triage/sklearn_baseline.py DATA.csv FOLDS.csv --text-col 留言主题 --text-col 留言详情 --label-col 一级分类

Needs scikit-learn and numpy; CI does not run it. Rows are numbered as
linli reads them: data rows in file order, skipping those whose text or
label is empty.
"""
import argparse, csv, time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC

p = argparse.ArgumentParser()
p.add_argument("data")
p.add_argument("folds")
p.add_argument("--text-col", action="append", required=True)
p.add_argument("--label-col", required=True)
a = p.parse_args()

texts, labels = [], []
for r in csv.DictReader(open(a.data, encoding="utf-8-sig")):
    text = " ".join(t for t in (r[c].strip() for c in a.text_col) if t)
    label = r[a.label_col].strip()
    if text and label:
        texts.append(text)
        labels.append(label)
X, y = np.array(texts), np.array(labels)
fold = np.zeros(len(X), dtype=int)
for r in csv.DictReader(open(a.folds)):
    fold[int(r["row"])] = int(r["fold"])

started = time.time()
f1s, predicted = [], np.empty(len(y), dtype=object)
for k in sorted(set(fold)):
    train, test = fold != k, fold == k
    v = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    m = LinearSVC().fit(v.fit_transform(X[train]), y[train])
    predicted[test] = m.predict(v.transform(X[test]))
    f1s.append(f1_score(y[test], predicted[test], average="macro"))
print(
    f"scikit-learn char 1-3 TF-IDF + LinearSVC on {len(f1s)} folds: macro_f1 over folds {np.mean(f1s):.3f} ± {np.std(f1s):.3f}"
    f" ({', '.join(f'{f:.3f}' for f in f1s)}); pooled macro_f1 {f1_score(y, predicted, average='macro'):.3f},"
    f" accuracy {accuracy_score(y, predicted):.3f}; {time.time() - started:.1f} s"
)
