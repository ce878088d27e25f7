"""Safe repairs of an uploaded mesh, each one reported; anything riskier is left for the checks to refuse."""

from __future__ import annotations

import numpy as np
import trimesh

from edge.agents.cad.checks import edge_counts

# A hole may be filled (if that closes the mesh) when it is tiny: at most this many open edges, together
# at most this share of the model's bounding-box diagonal long. A missing side is refused, not patched.
TINY_HOLE_EDGES = 8
TINY_HOLE_SHARE = 0.05


def repair(mesh: trimesh.Trimesh, *, indexed: bool) -> list[str]:
    """Merge, drop collapsed and duplicate triangles, fill a tiny hole, fix winding; what was done, in words."""
    done: list[str] = []
    vertices = len(mesh.vertices)
    mesh.merge_vertices()
    if indexed and len(mesh.vertices) < vertices:  # STL repeats every vertex: merging is how it is read
        done.append(f"merged {vertices - len(mesh.vertices)} duplicate vertices")
    faces = mesh.faces
    collapsed = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    if collapsed.any():
        mesh.update_faces(~collapsed)
        done.append(f"removed {int(collapsed.sum())} collapsed (zero-area) triangles")
    unique = mesh.unique_faces()
    if not unique.all():
        mesh.update_faces(unique)
        done.append(f"removed {int((~unique).sum())} duplicate triangles")
    mesh.remove_unreferenced_vertices()
    if not mesh.is_watertight:
        open_edges, shared = edge_counts(mesh)
        tiny = shared == 0 and open_edges <= TINY_HOLE_EDGES and _open_length(mesh) <= TINY_HOLE_SHARE * mesh.scale
        if tiny and trimesh.repair.fill_holes(mesh):
            done.append(f"filled a small hole ({open_edges} open edges)")
    if mesh.is_watertight and not mesh.is_winding_consistent:
        before = mesh.faces.copy()
        trimesh.repair.fix_winding(mesh)  # type: ignore[no-untyped-call]
        turned = int((mesh.faces != before).any(axis=1).sum())
        done.append(f"turned {turned} triangles to match their neighbours' winding")
    if mesh.is_watertight and mesh.is_winding_consistent and mesh.volume < 0:
        mesh.invert()
        done.append("turned the model right side out (its normals pointed inward)")
    return done


def _open_length(mesh: trimesh.Trimesh) -> float:
    """Total length of the edges used by only one triangle."""
    edges, counts = np.unique(mesh.edges_sorted, axis=0, return_counts=True)
    ends = mesh.vertices[edges[counts == 1]]
    return float(np.linalg.norm(ends[:, 0] - ends[:, 1], axis=1).sum())
