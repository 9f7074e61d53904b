"""The migration views: a translation side by side with its CUDA C, and the analysis report."""

import pytest

import tessera as ts
from tessera.migration.analyze import AnalysisReport

SCALE = """#define K 4
__global__ void scale(float* x, float s, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        x[i] = x[i] * s;
    }
    s = __shfl_down_sync(0xffffffff, s, 1);
}
__global__ void neg(float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = -y[i];
}
"""


def _rows(view):
    al = view.alignment
    return [(al.cuda_lines[r.cuda - 1].strip() if r.cuda else None,
             al.tessera_lines[r.tessera - 1].strip() if r.tessera else None) for r in al.rows]


def test_rows_come_from_the_line_table_and_read_top_to_bottom():
    view = ts.migration.compare(ts.migration.translate_cuda(SCALE, "scale.cu"))
    rows = _rows(view)
    assert ("int i = blockIdx.x * blockDim.x + threadIdx.x;",
            "i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)") in rows
    assert ("x[i] = x[i] * s;", "x[i] = x[i] * s") in rows
    pairs = view.alignment.pairs
    assert [c for c, _ in pairs] == sorted(c for c, _ in pairs)
    assert [t for _, t in pairs] == sorted(t for _, t in pairs)
    # every line of both texts appears exactly once
    assert sorted(r.cuda for r in view.alignment.rows if r.cuda) == list(range(1, len(view.alignment.cuda_lines) + 1))
    assert sorted(r.tessera for r in view.alignment.rows if r.tessera) == \
        list(range(1, len(view.alignment.tessera_lines) + 1))


def test_diagnostics_show_under_their_cuda_line_in_the_html():
    view = ts.migration.compare(ts.migration.translate_cuda(SCALE, "scale.cu"))
    shuffle_line = view.alignment.cuda_lines.index("    s = __shfl_down_sync(0xffffffff, s, 1);") + 1
    labels = [label for label, _ in view.notes[shuffle_line]]
    assert labels == ["TM101 (medium)"]
    html = view.alignment_html()
    diag = html.index('tessera-diag"><b>TM101 (medium)</b>')
    row_start = html.rindex("<tr", 0, html.rindex("<tr", 0, diag))   # the row just before the note's
    assert "__shfl_down_sync" in html[row_start:diag]


def test_a_second_kernel_is_chosen_by_name():
    view = ts.migration.compare(ts.migration.translate_cuda(SCALE, "scale.cu"), kernel="neg")
    assert view.kernel.name == "neg"
    assert view.tessera_text.startswith("@ts.kernel\ndef neg(")
    labels = [label for notes in view.notes.values() for label, _ in notes]
    assert labels == ["TM010 (low)"]   # neg's own; scale's shuffle diagnostic is not shown here


def test_unknown_kernel_name_is_a_clear_error():
    t = ts.migration.translate_cuda(SCALE, "scale.cu")
    with pytest.raises(ts.TesseraError) as e:
        ts.migration.compare(t, kernel="sacle")
    assert "no kernel 'sacle' in scale.cu" in str(e.value)
    assert "kernels: scale, neg" in str(e.value)


def test_compare_wants_a_translation():
    with pytest.raises(ts.TesseraError) as e:
        ts.migration.compare(SCALE)
    assert "compare takes what translate_cuda returns, got str" in str(e.value)
    assert "ts.migration.compare(ts.migration.translate_cuda(cuda_source))" in str(e.value)


def test_a_source_without_kernels_is_a_clear_error():
    t = ts.migration.translate_cuda("int add(int a, int b) { return a + b; }", "host.cu")
    with pytest.raises(ts.TesseraError, match="host.cu has no __global__ kernel that translated"):
        ts.migration.compare(t)


def test_report_view_escapes_project_text_and_builds_its_plots(tmp_path):
    (tmp_path / "<b>.cu").write_text(SCALE)
    report = ts.migration.CodebaseAnalyzer().analyze_project(tmp_path)
    view = ts.migration.ReportView(report)
    html = view._body_html()
    assert "&lt;b&gt;.cu" in html and "<b>.cu" not in html
    assert "Recommendations" in html and "TM101" in html
    widget = view.widget
    figures = widget.children[1].children
    assert len(figures) >= 2
    assert "Kernels by manual effort" in figures[0].layout.title.text
